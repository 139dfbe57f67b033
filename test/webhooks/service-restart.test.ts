import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Alert } from '../../src/engine/types.js';
import { generateSecret } from '../../src/webhooks/secret.js';
import { fetchAllAlerts, type RunningService, startService } from '../helpers/service.js';
import { eventually, leakEvents } from './harness.js';
import { type Receiver, startReceiver } from './receiver.js';

const TOKEN = 'webhook-restart-token-0123456789abcdef';

const running: RunningService[] = [];
let receiver: Receiver | undefined;

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
  await receiver?.close();
  receiver = undefined;
});

async function start(env: Record<string, string>): Promise<RunningService> {
  const service = await startService(env);
  running.push(service);
  return service;
}

describe('webhook delivery across a crash of keywatch serve', () => {
  it('delivers every message that was due when the service was killed with SIGKILL, after the restart', async () => {
    let healthy = false;
    const answered = new Map<string, number>();
    receiver = await startReceiver((request) => {
      const status = healthy ? 200 : 503;
      const id = String(request.headers['webhook-id']);
      if (healthy) answered.set(id, (answered.get(id) ?? 0) + 1);
      return { status };
    });
    const secret = generateSecret();
    const directory = mkdtempSync(join(tmpdir(), 'kw-webhook-restart-'));
    const configPath = join(directory, 'keywatch.yaml');
    writeFileSync(
      configPath,
      stringify({
        webhooks: {
          allowNetworks: ['127.0.0.0/8'],
          retryScheduleMs: [0, 1500, 1500, 1500, 1500, 1500, 1500, 1500],
          retryJitter: 0,
          pollIntervalMs: 100,
          timeoutMs: 2000,
          subscriptions: [{ url: receiver.url, secret, filters: { minSeverity: 'low' } }],
        },
      }),
    );
    const env = {
      KEYWATCH_DATABASE_URL: `sqlite:${join(directory, 'keywatch.db')}`,
      KEYWATCH_API_TOKEN: TOKEN,
      KEYWATCH_CONFIG: configPath,
    };

    const first = await start(env);
    const events = [...leakEvents('key-a'), ...leakEvents('key-b'), ...leakEvents('key-c')];
    const response = await first.request('/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(response.status).toBe(200);
    const alerts: Alert[] = await fetchAllAlerts(first);
    expect(alerts).toHaveLength(3);
    // Every message has been attempted once and failed: all are due again in 1.5 s.
    const attempted = await eventually(() => {
      const ids = new Set(receiver!.requests.map((request) => String(request.headers['webhook-id'])));
      return ids.size >= 3 ? ids : undefined;
    });
    expect(await first.stop('SIGKILL')).toBeNull();
    running.splice(running.indexOf(first), 1);

    healthy = true;
    const before = receiver.requests.length;
    await start(env);
    await eventually(() => ([...attempted].every((id) => answered.has(id)) ? true : undefined), 20_000);

    const delivered = receiver.requests.slice(before);
    const opened = new Set<string>();
    for (const request of delivered) {
      const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        data: Alert;
      };
      if (body.type === 'alert.opened') opened.add(body.data.id);
    }
    expect([...opened].sort()).toEqual(alerts.map((alert) => alert.id).sort());
  }, 90_000);
});
