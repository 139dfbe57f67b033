import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Alert, AlertChange } from '../src/engine/types.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { defaultWebhooksConfig } from '../src/webhooks/config.js';
import { alertMessageId } from '../src/webhooks/payload.js';
import { WebhookService } from '../src/webhooks/service.js';

/** Figures of `npm run bench`'s webhook section. */
export interface WebhookBenchResult {
  /** From the alert's commit resolving to the request reaching a healthy local receiver. */
  latency: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Messages to one receiver, committed up front, delivered per second. */
  throughput: { deliveries: number; seconds: number; perSecond: number };
}

function alertOf(index: number): Alert {
  const ts = new Date(Date.UTC(2026, 10, 3, 9) + index * 1000).toISOString();
  return {
    id: `kw_${index.toString(16).padStart(24, '0')}`,
    keyId: `key-${index % 100}`,
    detector: 'unfamiliar-ip',
    detectors: ['unfamiliar-ip'],
    severity: 'high',
    score: 0.8,
    ts,
    lastSeen: ts,
    count: 1,
    status: 'open',
    title: 'Key used from an unfamiliar network',
    summary: `key-${index % 100} was used from 175.45.176.0/24, never seen in 30 days.`,
    evidence: { 'unfamiliar-ip': { network: '175.45.176.0/24', baseline: { '81.2.69.0/24': 412 } } },
    ips: ['175.45.176.3'],
  };
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
}

/** Commits alert changes with their outbox messages, as the runtime's commit does, then wakes the worker. */
async function commit(store: Store, webhooks: WebhookService, alerts: Alert[]): Promise<void> {
  const changes: AlertChange[] = alerts.map((alert) => ({
    kind: 'opened',
    alert,
    severityRaised: false,
    detectorJoined: false,
  }));
  await store.commit({
    alerts: alerts.map((alert) => ({ alert, newTimeline: [] })),
    keyStates: [],
    outbox: webhooks.outbox(changes),
  });
  webhooks.wake();
}

/**
 * Delivery latency and throughput to one healthy receiver on 127.0.0.1, with the embedded SQLite
 * store on disk (synchronous=FULL, as `keywatch serve` runs it) and the default delivery settings.
 */
export async function webhookBench(options: { quick?: boolean } = {}): Promise<WebhookBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'kw-webhook-bench-'));
  const arrivals = new Map<string, number>();
  let waiting: { count: number; resolve: () => void } | undefined;
  const server = createServer((request, response) => {
    const id = String(request.headers['webhook-id']);
    request.resume();
    request.on('end', () => {
      arrivals.set(id, performance.now());
      response.writeHead(204).end();
      if (waiting !== undefined && arrivals.size >= waiting.count) waiting.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const store = await openStore(`sqlite:${join(directory, 'bench.db')}`);
  const webhooks = await WebhookService.create({
    store,
    config: defaultWebhooksConfig({ allowNetworks: ['127.0.0.0/8'] }),
    logger: pino({ level: 'warn' }),
  });
  const allArrived = (count: number) =>
    new Promise<void>((resolve) => {
      waiting = { count, resolve };
      if (arrivals.size >= count) resolve();
    });
  try {
    const { record } = await webhooks.subscriptions.create({ url, filters: { minSeverity: 'low' } });
    await webhooks.start();

    // Latency: one alert every 5 ms (200 alerts/s), each committed on its own.
    const samples = options.quick ? 200 : 1000;
    const stored = new Map<string, number>();
    let next = 0;
    for (let index = 0; index < samples; index++) {
      const alert = alertOf(next++);
      await commit(store, webhooks, [alert]);
      stored.set(alertMessageId(record.id, 'alert.opened', alert), performance.now());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await allArrived(samples);
    const latencies = [...stored]
      .map(([id, at]) => arrivals.get(id)! - at)
      .sort((left, right) => left - right);

    // Throughput: a backlog committed in batches of 500, delivered as fast as the receiver allows.
    const backlog = options.quick ? 3000 : 10_000;
    arrivals.clear();
    const started = performance.now();
    for (let offset = 0; offset < backlog; offset += 500) {
      await commit(
        store,
        webhooks,
        Array.from({ length: Math.min(500, backlog - offset) }, () => alertOf(next++)),
      );
    }
    await allArrived(backlog);
    const seconds = (performance.now() - started) / 1000;
    const attempts = await store.webhooks.listAttempts(record.id, { limit: 1 });
    if (attempts.items[0]?.success !== true) throw new Error('the last delivery did not succeed');
    return {
      latency: {
        samples: latencies.length,
        p50Ms: round(percentile(latencies, 0.5)),
        p99Ms: round(percentile(latencies, 0.99)),
        maxMs: round(latencies[latencies.length - 1] ?? 0),
      },
      throughput: { deliveries: backlog, seconds: round(seconds), perSecond: Math.round(backlog / seconds) },
    };
  } finally {
    await webhooks.stop();
    await store.close();
    server.closeAllConnections();
    server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Prints the figures beside their targets (the issue's). */
export function describeWebhookBench(result: WebhookBenchResult): string[] {
  const { latency, throughput } = result;
  return [
    `webhooks: stored → delivered to a local receiver over ${latency.samples} alerts: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms (target p99 ≤ 200 ms), max ${latency.maxMs} ms`,
    `  throughput to one receiver: ${throughput.perSecond.toLocaleString('en-US')} deliveries/s (${throughput.deliveries.toLocaleString('en-US')} in ${throughput.seconds} s; target ≥ 500/s)`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await webhookBench({ quick: process.argv.includes('--quick') });
  for (const text of describeWebhookBench(result)) process.stdout.write(`${text}\n`);
}
