import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import type { Static } from 'typebox';
import type { ServerConfig } from '../config/schema.js';
import { cidrMatcherOfSetting, parseIp } from '../enrich/network.js';
import type { KeywatchMetrics } from '../metrics.js';
import type { KeywatchRuntime } from '../service/types.js';
import { defaultWebhooksConfig } from '../webhooks/config.js';
import { WebhookService } from '../webhooks/service.js';
import { apiLogger } from './logging.js';
import { installAuth } from './plugins/auth.js';
import { answerFrameworkError, installErrorHandling } from './plugins/errors.js';
import { installBodyParsers } from './plugins/ndjson.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { createTokenVerifier } from './plugins/token-verifier.js';
import { alertRoutes } from './routes/alerts.js';
import { eventsRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { metricsRoutes } from './routes/metrics.js';
import { streamRoutes } from './routes/stream.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';
import { formatSchemaErrors } from './validation-message.js';
import { strictValidatorCompiler } from './validator-compiler.js';

/** The server settings the API uses (`server` section of the configuration). */
export type ApiServerConfig = Pick<
  Static<typeof ServerConfig>,
  'bodyLimitBytes' | 'maxEventsPerRequest' | 'requestTimeoutMs' | 'rateLimit' | 'tokens' | 'trustProxy'
>;

export interface BuildAppOptions {
  runtime: KeywatchRuntime;
  metrics: KeywatchMetrics;
  config: ApiServerConfig;
  /** The service logger (a child with redaction is used), or false for none (the default). */
  logger?: Logger | false;
  /** A clear admin token to ensure in the store (env KEYWATCH_API_TOKEN), for a quick start. */
  adminToken?: string;
  /** How long a verified token is trusted without asking the store again (default 10 s). */
  tokenCacheTtlMs?: number;
  /**
   * Webhooks and the live stream (the server's, delivering); without it, one with the default
   * settings serves the routes without delivering.
   */
  webhooks?: WebhookService;
}

/** Name of the token that `adminToken` creates. */
export const ADMIN_TOKEN_NAME = 'admin (KEYWATCH_API_TOKEN)';

/**
 * Builds the Keywatch HTTP API; it never listens (the server does, or tests use `app.inject()`).
 *
 * @example
 * const app = await buildApp({ runtime, metrics, config: config.server, logger });
 * await app.listen({ host: config.server.host, port: config.server.port });
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { runtime, config } = options;
  const trustProxy = trustedProxies(config.trustProxy);
  const app = Fastify({
    ...(trustProxy ? { trustProxy } : {}),
    ...(options.logger
      ? { loggerInstance: apiLogger(options.logger) as FastifyBaseLogger }
      : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    // Key ids may be 256 characters, more once percent-encoded.
    routerOptions: { maxParamLength: 1024 },
    schemaErrorFormatter: formatSchemaErrors,
    frameworkErrors: answerFrameworkError,
  });
  // Route plugins are typed with FastifyPluginAsyncTypebox; TypeBox also validates (see the compiler).
  app.setValidatorCompiler(strictValidatorCompiler);

  if (options.adminToken !== undefined) {
    await runtime.store.ensureToken({ name: ADMIN_TOKEN_NAME, scopes: ['admin'], token: options.adminToken });
  }
  // PostgreSQL: opens the connection that listens for token revocations now, not at the first request.
  runtime.store.tokenStamp();
  const verifier = createTokenVerifier({
    store: runtime.store,
    configuredTokens: config.tokens,
    ...(options.tokenCacheTtlMs !== undefined ? { cacheTtlMs: options.tokenCacheTtlMs } : {}),
  });

  // Order matters: plugins that act through onRoute hooks only see routes registered after them.
  await registerRateLimit(app, { settings: config.rateLimit, verifier });
  installErrorHandling(app, { notFoundPreHandler: app.rateLimit() });
  installBodyParsers(app);
  await registerOpenApi(app);
  installAuth(app, { verifier });

  await app.register(healthRoutes, { runtime });
  await app.register(metricsRoutes, { metrics: options.metrics });
  await app.register(eventsRoutes, { runtime, maxEventsPerRequest: config.maxEventsPerRequest });
  await app.register(alertRoutes, { runtime });
  await app.register(keyRoutes, { runtime });
  const webhooks = options.webhooks ?? (await routesOnlyWebhooks(runtime, options.logger));
  if (options.webhooks === undefined) app.addHook('onClose', () => webhooks.stop());
  await app.register(webhookRoutes, { webhooks });
  await app.register(tokenRoutes, { store: runtime.store, configuredTokens: config.tokens });
  await app.register(streamRoutes, { runtime, webhooks });
  await app.ready();
  return app;
}

/** A webhook service for the routes alone (tests, tools): default settings, no delivery worker. */
function routesOnlyWebhooks(
  runtime: KeywatchRuntime,
  logger: Logger | false | undefined,
): Promise<WebhookService> {
  return WebhookService.create({
    store: runtime.store,
    config: defaultWebhooksConfig(),
    logger: logger ? logger.child({ component: 'webhooks' }) : pino({ enabled: false }),
  });
}

/**
 * Fastify's trustProxy for `server.trustProxy`: whether the hop at `address` is a proxy whose
 * X-Forwarded-For entry is believed. Undefined when the list is empty (the header is ignored).
 */
export function trustedProxies(ranges: readonly string[]): ((address: string) => boolean) | undefined {
  if (ranges.length === 0) return undefined;
  const matches = cidrMatcherOfSetting(ranges, 'server.trustProxy');
  return (address) => parseIp(address) !== null && matches(address);
}
