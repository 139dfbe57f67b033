import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { overridesFromEnv } from './config/env.js';
import { loadConfig } from './config/load.js';
import { createMetrics } from './metrics.js';
import { Runtime } from './service/runtime.js';
import { openStore } from './store/open.js';

/** Redaction of secrets in every log line of the service. */
export const LOG_REDACT = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'headers.authorization',
    '*.token',
    '*.secret',
    '*.password',
    'token',
    'secret',
    'password',
  ],
  censor: '[redacted]',
};

export interface ServeOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * `keywatch serve`: the store, the engine restored from its checkpoints and the HTTP API. Without
 * Kafka it runs embedded and takes events on `POST /v1/events`. SIGTERM/SIGINT stop intake, flush
 * state and close.
 */
export async function serve(options: ServeOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const configPath = options.configPath ?? env.KEYWATCH_CONFIG;
  const config = loadConfig({
    ...(configPath ? { path: configPath } : {}),
    overrides: overridesFromEnv(env),
  });
  const logger = pino({ level: env.KEYWATCH_LOG_LEVEL ?? 'info', redact: LOG_REDACT });
  const metrics = createMetrics();
  const store = await openStore(config.store.url);
  await store.migrate();
  const adminToken = env.KEYWATCH_API_TOKEN;
  if (adminToken)
    await store.ensureToken({ name: 'KEYWATCH_API_TOKEN', scopes: ['admin'], token: adminToken });
  const runtime = await Runtime.create({
    config,
    store,
    metrics,
    logger: logger.child({ component: 'engine' }),
  });
  const app = await buildApp({
    runtime,
    metrics,
    config: config.server,
    logger: logger.child({ component: 'api' }),
  });
  await app.listen({ port: config.server.port, host: config.server.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  logger.info({ port, store: store.kind }, 'keywatch serving');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: stopping intake, flushing state');
    try {
      await app.close();
      await runtime.close();
      await store.close();
      logger.info('stopped cleanly');
      process.exitCode = 0;
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
