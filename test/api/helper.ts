import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino, { type Logger } from 'pino';
import { expect, vi } from 'vitest';
import { type ApiServerConfig, buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Alert, TimelineEntry } from '../../src/engine/types.js';
import { createMetrics, type KeywatchMetrics } from '../../src/metrics.js';
import { Runtime } from '../../src/service/runtime.js';
import type { KeywatchRuntime } from '../../src/service/types.js';
import type { Store, TokenScope } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';

/** Server settings of the test app: small limits make 413s cheap; the rate limit never interferes. */
export const TEST_SERVER_CONFIG: ApiServerConfig = {
  bodyLimitBytes: 65_536,
  maxEventsPerRequest: 100,
  requestTimeoutMs: 30_000,
  rateLimit: { max: 100_000, timeWindowMs: 60_000 },
  tokens: [],
  trustProxy: [],
};

export interface TestApp {
  app: FastifyInstance;
  runtime: KeywatchRuntime;
  store: Store;
  metrics: KeywatchMetrics;
  /** A clear token per scope. */
  tokens: Record<TokenScope, string>;
  /** `app.inject` with the bearer token of a scope. */
  as(scope: TokenScope | 'nobody', options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds the API over the real runtime and a fresh store (see openTestStore), with one token per scope. */
export async function buildTestApp(
  options: {
    config?: Partial<ApiServerConfig>;
    adminToken?: string;
    tokenCacheTtlMs?: number;
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  // In-memory SQLite, or (api-postgres project) the real PostgreSQL: the same API tests on both.
  const { store, dispose } = await openTestStore('api');
  const metrics = createMetrics();
  const runtime = await Runtime.create({
    config: loadConfig(),
    store,
    metrics,
    logger: options.logger ?? pino({ level: 'silent' }),
  });
  const tokens = {
    read: (await store.createToken({ name: 'reader', scopes: ['read'] })).token,
    write: (await store.createToken({ name: 'writer', scopes: ['write'] })).token,
    admin: (await store.createToken({ name: 'administrator', scopes: ['admin'] })).token,
  };
  // PostgreSQL: tokens are remembered between requests only once the store listens for revocations.
  await vi.waitFor(() => expect(store.tokenStamp()).toBeDefined(), { timeout: 10_000 });
  const app = await buildApp({
    runtime,
    metrics,
    config: { ...TEST_SERVER_CONFIG, ...options.config },
    logger: options.logger ?? false,
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    ...(options.tokenCacheTtlMs !== undefined ? { tokenCacheTtlMs: options.tokenCacheTtlMs } : {}),
  });
  return {
    app,
    runtime,
    store,
    metrics,
    tokens,
    as(scope, injectOptions) {
      const headers = { ...(injectOptions.headers ?? {}) };
      if (scope !== 'nobody') headers.authorization = `Bearer ${tokens[scope]}`;
      return app.inject({ ...injectOptions, headers });
    },
    async close() {
      await app.close();
      await runtime.close();
      await dispose();
    },
  };
}

let sequence = 0;

/** An alert as the engine would store it; ids are unique per call unless given. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  sequence++;
  return {
    id: `kw_${sequence.toString(16).padStart(24, '0')}`,
    keyId: 'key-1',
    detector: 'unfamiliar-ip',
    detectors: ['unfamiliar-ip'],
    severity: 'high',
    score: 0.8,
    ts: '2026-11-03T09:10:12.000Z',
    lastSeen: '2026-11-03T09:20:00.000Z',
    count: 3,
    status: 'open',
    title: 'Key used from an unfamiliar network',
    summary: 'key-1 was used from 175.45.176.0/24, never seen in 30 days.',
    evidence: {
      'unfamiliar-ip': {
        network: '175.45.176.0/24',
        known: { '81.2.69.0/24': 412 },
        nested: { list: [1, { a: 2 }] },
      },
    },
    ips: ['175.45.176.3'],
    ...overrides,
  };
}

/** A timeline entry of an alert. */
export function makeTimelineEntry(overrides: Partial<TimelineEntry> = {}): TimelineEntry {
  return {
    ts: '2026-11-03T09:10:12.000Z',
    detector: 'unfamiliar-ip',
    score: 0.8,
    risk: 0.8,
    subject: '175.45.176.0/24',
    title: 'Unfamiliar network',
    explanation: 'First use from this network.',
    ip: '175.45.176.3',
    ...overrides,
  };
}

/** Stores alerts (each with one timeline entry) as the runtime's commit would. */
export async function seedAlerts(store: Store, alerts: Alert[]): Promise<void> {
  await store.commit({
    alerts: alerts.map((alert) => ({ alert, newTimeline: [makeTimelineEntry({ ts: alert.ts })] })),
    keyStates: [],
  });
}

/** The JSON body of a response. */
export function bodyOf<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/** The `{ error }` of an error response. */
export function errorOf(response: LightMyRequestResponse): { code: string; message: string } {
  return bodyOf<{ error: { code: string; message: string } }>(response).error;
}
