import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Alert, AlertChange } from '../../src/engine/types.js';
import { createMetrics } from '../../src/metrics.js';
import { Runtime } from '../../src/service/runtime.js';
import type { Store, TokenScope } from '../../src/store/types.js';
import { defaultWebhooksConfig, type WebhooksConfig } from '../../src/webhooks/config.js';
import { WebhookService } from '../../src/webhooks/service.js';
import { makeAlert, TEST_SERVER_CONFIG } from '../api/helper.js';
import { type Backend, DEFAULT_BACKEND, openTestStore } from '../helpers/store.js';

/** The key the webhook tests encrypt stored signing secrets with (32 bytes, base64). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * Webhook settings for tests: loopback receivers allowed, retries in milliseconds, and signing
 * secrets encrypted in the store (so every delivery test also signs with a secret that went through
 * the encryption).
 */
export function testWebhooksConfig(overrides: Partial<WebhooksConfig> = {}): WebhooksConfig {
  return defaultWebhooksConfig({
    allowNetworks: ['127.0.0.0/8'],
    secretsKey: TEST_SECRETS_KEY,
    retryScheduleMs: [0, 200, 400, 400, 400],
    retryJitter: 0,
    pollIntervalMs: 50,
    timeoutMs: 2000,
    ...overrides,
  });
}

/** In-memory SQLite, or a fresh schema of the test PostgreSQL (see openTestStore). */
export function openHarnessStore(backend: Backend = DEFAULT_BACKEND): ReturnType<typeof openTestStore> {
  return openTestStore('webhooks', backend);
}

/** The real runtime, webhook service (delivering) and API over one store. */
export interface Harness {
  store: Store;
  runtime: Runtime;
  webhooks: WebhookService;
  app: FastifyInstance;
  tokens: Record<TokenScope, string>;
  /** Base URL when `listen` was asked for. */
  baseUrl: string;
  as(scope: TokenScope | 'nobody', options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    webhooks?: Partial<WebhooksConfig>;
    listen?: boolean;
    deliver?: boolean;
    logger?: Logger;
    backend?: Backend;
  } = {},
): Promise<Harness> {
  const { store, dispose } = await openHarnessStore(options.backend);
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = createMetrics();
  const webhooks = await WebhookService.create({
    store,
    config: testWebhooksConfig(options.webhooks),
    logger,
    metricsRegistry: metrics.registry,
  });
  const runtime = await Runtime.create({
    config: loadConfig(),
    store,
    metrics,
    logger,
    outbox: webhooks.outbox,
    statusOutbox: webhooks.statusOutbox,
  });
  if (options.deliver !== false) await webhooks.start(runtime);
  const tokens = {
    read: (await store.createToken({ name: 'reader', scopes: ['read'] })).token,
    write: (await store.createToken({ name: 'writer', scopes: ['write'] })).token,
    admin: (await store.createToken({ name: 'administrator', scopes: ['admin'] })).token,
  };
  const app = await buildApp({
    runtime,
    metrics,
    config: { ...TEST_SERVER_CONFIG, maxEventsPerRequest: 5000, bodyLimitBytes: 5_000_000 },
    webhooks,
  });
  let baseUrl = '';
  if (options.listen) baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    store,
    runtime,
    webhooks,
    app,
    tokens,
    baseUrl,
    as(scope, injectOptions) {
      const headers = { ...(injectOptions.headers ?? {}) };
      if (scope !== 'nobody') headers.authorization = `Bearer ${tokens[scope]}`;
      return app.inject({ ...injectOptions, headers });
    },
    async close() {
      await app.close();
      await runtime.close();
      await webhooks.stop();
      await dispose();
    },
  };
}

const BASE = Date.parse('2026-01-05T09:00:00Z');
const DAY = 86_400_000;

/**
 * Two weeks of office-hours use of `keyId` from one UK address, then a burst from North Korean
 * addresses at 05:00 (starting `offsetMinutes` later): the engine opens one alert for the key.
 */
export function leakEvents(
  keyId: string,
  options: { offsetMinutes?: number; orgId?: string } = {},
): object[] {
  const events: object[] = [];
  const org = options.orgId === undefined ? {} : { orgId: options.orgId };
  for (let day = 0; day < 14; day++) {
    for (let slot = 0; slot < 40; slot++) {
      const ts = new Date(BASE + day * DAY + slot * 600_000).toISOString();
      events.push({ ts, keyId, ip: '81.2.69.160', method: 'GET', path: '/v1/rooms', ...org });
    }
  }
  const start = BASE + 14 * DAY + 5 * 3_600_000 + (options.offsetMinutes ?? 0) * 60_000;
  for (let index = 1; index <= 10; index++) {
    const ts = new Date(start + index * 1000).toISOString();
    events.push({ ts, keyId, ip: `175.45.176.${index}`, method: 'GET', path: '/v1/people', ...org });
  }
  return events;
}

/** An alert as the engine stores it (unique id per call unless given), of org `org-1`. */
export function alertFixture(overrides: Partial<Alert> = {}): Alert {
  return makeAlert({
    orgId: 'org-1',
    evidence: { 'unfamiliar-ip': { network: '175.45.176.0/24', baseline: { '81.2.69.0/24': 412 } } },
    ...overrides,
  });
}

/** An engine change of `alert`. */
export function changeOf(
  kind: AlertChange['kind'],
  alert: Alert,
  flags: { severityRaised?: boolean; detectorJoined?: boolean } = {},
): AlertChange {
  return {
    kind,
    alert,
    severityRaised: flags.severityRaised ?? false,
    detectorJoined: flags.detectorJoined ?? false,
  };
}

/**
 * Commits alert changes as the runtime's commit does: the alerts, and the outbox messages of the
 * webhook hook, in one transaction; then wakes the worker.
 */
export async function commitChanges(
  harness: Pick<Harness, 'store' | 'webhooks'>,
  changes: AlertChange[],
): Promise<void> {
  await harness.store.commit({
    alerts: changes.map((change) => ({ alert: change.alert, newTimeline: [] })),
    keyStates: [],
    outbox: harness.webhooks.outbox(changes),
  });
  harness.webhooks.wake();
}

/** Polls `check` until it returns a value other than undefined (or fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
