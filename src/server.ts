import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { buildApp } from './api/app.js';
import { API_LOG_REDACT_PATHS } from './api/logging.js';
import { overridesFromEnv } from './config/env.js';
import { type KeywatchConfig, loadConfig, mergeSettings } from './config/load.js';
import { KeywatchError } from './errors.js';
import { createMetrics } from './metrics.js';
import { Runtime } from './service/runtime.js';
import { kafkaOverridesFromEnv, withKafkaFormat } from './sources/kafka-config.js';
import { type KafkaSource, startKafkaSource } from './sources/kafka-consumer.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { WebhookService } from './webhooks/service.js';

/** Redaction of secrets in every log line of the service (the API's list plus passwords). */
export const LOG_REDACT = {
  paths: [...API_LOG_REDACT_PATHS, 'password', '*.password', '*.*.password'],
  censor: '[redacted]',
};

/** Shortest KEYWATCH_API_TOKEN accepted: a guessable admin token would be worse than none. */
export const MIN_ENV_TOKEN_LENGTH = 24;

/**
 * Makes sure someone can use the API: KEYWATCH_API_TOKEN becomes an admin token; without it, and
 * with no token in the store or config, a first start creates one and writes it (once) to a file
 * next to the SQLite database, readable by the owner only — never to the log.
 */
async function ensureAdminAccess(
  store: Store,
  config: KeywatchConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<void> {
  const token = env.KEYWATCH_API_TOKEN;
  if (token !== undefined && token !== '') {
    if (token.length < MIN_ENV_TOKEN_LENGTH) {
      throw new KeywatchError(
        'KW_ERR_CONFIG_INVALID',
        `Invalid configuration: KEYWATCH_API_TOKEN must be at least ${MIN_ENV_TOKEN_LENGTH} characters`,
        { setting: 'KEYWATCH_API_TOKEN' },
      );
    }
    const record = await store.ensureToken({ name: 'KEYWATCH_API_TOKEN', scopes: ['admin'], token });
    // A revocation is final: setting the variable again does not bring the token back.
    if ((await store.verifyToken(token)) === undefined)
      logger.error(
        { tokenId: record.id },
        'KEYWATCH_API_TOKEN was revoked and stays refused: set a new value (or use another admin token)',
      );
    return;
  }
  if (config.server.tokens.length > 0 || (await store.listTokens()).length > 0) return;
  const { token: created } = await store.createToken({ name: 'first-start admin', scopes: ['admin'] });
  const path =
    store.kind === 'sqlite' &&
    config.store.url.startsWith('sqlite:') &&
    !config.store.url.includes(':memory:')
      ? join(dirname(resolve(config.store.url.slice('sqlite:'.length))), 'admin-token')
      : undefined;
  if (path !== undefined) {
    writeFileSync(path, `${created}\n`, { mode: 0o600 });
    logger.warn(
      { file: path },
      'no API token was configured: created an admin token and wrote it to this file',
    );
  } else {
    process.stderr.write(
      `keywatch: no API token was configured; created an admin token (shown once): ${created}\n`,
    );
    logger.warn('no API token was configured: created an admin token and printed it on stderr once');
  }
}

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
    overrides: mergeSettings(overridesFromEnv(env), kafkaOverridesFromEnv(env)),
  });
  const logger = pino({ level: env.KEYWATCH_LOG_LEVEL ?? 'info', redact: LOG_REDACT });
  const metrics = createMetrics();
  const store = await openStore(config.store.url, {
    // PostgreSQL: an idle pooled connection, or the one listening for token revocations, was lost;
    // both come back by themselves (meanwhile every API request checks its token in the store).
    onBackgroundError: (error) =>
      logger.warn(
        { err: error },
        'a background PostgreSQL connection failed; it is opened again when needed',
      ),
  });
  await store.migrate();
  await ensureAdminAccess(store, config, env, logger);
  const webhooks = await WebhookService.create({
    store,
    config: config.webhooks,
    logger: logger.child({ component: 'webhooks' }),
    metricsRegistry: metrics.registry,
  });
  const runtime = await Runtime.create({
    config: withKafkaFormat(config),
    loadPartitionedKeysOnAssignment: config.kafka.brokers.length > 0,
    store,
    metrics,
    logger: logger.child({ component: 'engine' }),
    outbox: webhooks.outbox,
    statusOutbox: webhooks.statusOutbox,
  });
  await webhooks.start(runtime);
  const app = await buildApp({
    runtime,
    metrics,
    config: config.server,
    // buildApp makes the API's child logger (component api, secrets redacted).
    logger,
    webhooks,
  });
  await app.listen({ port: config.server.port, host: config.server.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  logger.info({ port, store: store.kind }, 'keywatch serving');
  const exitForRestart = () => {
    // Memory is ahead of the store: exit so the supervisor restarts and recovery replays the log.
    process.exitCode = 70;
    void app.close().finally(() => process.exit(70));
  };
  const kafka: KafkaSource | undefined =
    config.kafka.brokers.length > 0
      ? await startKafkaSource({
          runtime,
          config: config.kafka,
          logger: logger.child({ component: 'kafka' }),
          metrics,
          onFatal: exitForRestart,
        })
      : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: stopping intake, flushing state');
    try {
      await kafka?.stop();
      await app.close();
      await runtime.close();
      await webhooks.stop();
      await store.close();
      logger.info('stopped cleanly');
      process.exitCode = 0;
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  runtime.onFatal(exitForRestart);
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
