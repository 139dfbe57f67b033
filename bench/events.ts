import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Random } from '../src/scenarios/random.js';

/** Public /16 prefixes spread over several countries (real allocations, so geo lookups do real work). */
export const PREFIXES = [
  '81.2',
  '62.30',
  '85.214',
  '91.198',
  '200.160',
  '177.72',
  '104.16',
  '13.52',
  '52.95',
  '34.64',
  '35.180',
  '151.101',
  '185.60',
  '194.150',
  '212.58',
  '77.88',
  '88.198',
  '95.90',
  '109.70',
  '1.0',
  '27.121',
  '49.207',
  '110.33',
  '133.242',
  '139.130',
  '150.95',
  '168.63',
  '189.1',
  '190.210',
  '196.25',
];
export const ROUTES = ['/v1/messages', '/v1/rooms', '/v1/people/me', '/v1/memberships', '/v1/webhooks'];
const AGENTS = [
  'webex-bot/2.4 (node 20)',
  'python-requests/2.32',
  'Go-http-client/2.0',
  'okhttp/4.12',
  'curl/8.5',
];

export interface BenchEventOptions {
  path: string;
  keys: number;
  events: number;
  seed?: number;
  /** Event time of the first event, epoch ms (in the past, so no event is "in the future"). */
  start?: number;
  /** Mean spacing between consecutive events (ms). */
  spacingMs?: number;
}

/**
 * Writes NDJSON access events for the benchmark: many keys, each with one or two home networks and a
 * usual client, in event-time order, with realistic field sizes (~330 bytes a line).
 */
export async function writeBenchEvents(options: BenchEventOptions): Promise<{ bytes: number }> {
  const random = new Random(options.seed ?? 7);
  const start = options.start ?? Date.parse('2026-09-01T00:00:00Z');
  const spacing = options.spacingMs ?? 250;
  const homes: string[] = [];
  for (let key = 0; key < options.keys; key++) {
    const prefix = PREFIXES[random.int(0, PREFIXES.length - 1)]!;
    homes.push(`${prefix}.${random.int(0, 255)}`);
  }
  const out = createWriteStream(options.path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let ts = start;
  let chunk = '';
  for (let index = 0; index < options.events; index++) {
    ts += Math.floor(random.next() * spacing * 2);
    const key = random.int(0, options.keys - 1);
    const home = homes[key]!;
    const ip = `${home}.${1 + (random.chance(0.9) ? key % 8 : random.int(0, 253))}`;
    const route = ROUTES[key % ROUTES.length]!;
    const line = JSON.stringify({
      ts: new Date(ts).toISOString(),
      keyId: `key-${key.toString(36).padStart(5, '0')}`,
      ip,
      method: random.chance(0.8) ? 'GET' : 'POST',
      path: `${route}/Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOWY${random.hex(12)}`,
      status: random.chance(0.97) ? 200 : 404,
      bytesOut: random.int(200, 4000),
      bytesIn: random.int(0, 600),
      userAgent: AGENTS[key % AGENTS.length]!,
      orgId: `org-${key % 500}`,
      requestId: `req-${index.toString(36)}-${random.hex(8)}`,
    });
    chunk += `${line}\n`;
    if (chunk.length > 1 << 20) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += chunk.length;
  out.write(chunk);
  out.end();
  await once(out, 'finish');
  return { bytes };
}
