/**
 * Micro-benchmark of event intake: plain `JSON.parse` vs the canonical parser vs parser + enricher
 * (geoip-lite), per event, over 200 000 synthetic NDJSON lines. Run: `npx tsx bench/parse-bench.ts`.
 * The lines are deterministic (seeded), with 5 000 keys, 20 000 addresses (a tenth IPv6), Webex-style
 * paths with ids, and ISO timestamps, so the caches see a realistic mix of hits and misses.
 */
import { createEnricher } from '../src/enrich/enrich.js';
import { loadGeoDatabase } from '../src/enrich/geo.js';
import { createEventParser } from '../src/events/parse.js';

const LINES = 200_000;
const ROUNDS = 7;

let seed = 12_345;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const firstOctets = [8, 24, 31, 37, 46, 62, 77, 81, 85, 91, 109, 151, 176, 185, 188, 193, 212, 213, 217];
const addresses = Array.from({ length: 20_000 }, (_, i) =>
  i % 10 === 0
    ? `2a00:1450:${(i % 4096).toString(16)}:${Math.floor(random() * 65_535).toString(16)}::${(i % 255).toString(16)}`
    : `${pick(firstOctets)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
);
const keys = Array.from({ length: 5000 }, (_, i) => `app-key-${i.toString(36).padStart(6, '0')}`);
const resources = ['messages', 'rooms', 'people', 'memberships', 'webhooks', 'meetings'];
const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const userAgents = ['webex-js-sdk/3.4.0', 'python-requests/2.32.3', 'curl/8.5.0', 'Go-http-client/2.0'];

function webexId(): string {
  const uuid = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return Buffer.from(`ciscospark://us/MESSAGE/${uuid}`).toString('base64url');
}

const start = Date.parse('2026-11-03T00:00:00.000Z');
const lines: string[] = [];
for (let i = 0; i < LINES; i++) {
  const resource = pick(resources);
  const path =
    random() < 0.5
      ? `/v1/${resource}/${webexId()}`
      : random() < 0.5
        ? `/v1/${resource}?max=100`
        : '/v1/people/me';
  lines.push(
    JSON.stringify({
      ts: new Date(start + i * 50).toISOString(),
      keyId: pick(keys),
      ip: pick(addresses),
      method: pick(methods),
      path,
      status: random() < 0.97 ? 200 : 404,
      bytesOut: Math.floor(random() * 20_000),
      userAgent: pick(userAgents),
      requestId: `req-${i}`,
    }),
  );
}

const parse = createEventParser({ format: 'canonical' });
const enrich = createEnricher();
loadGeoDatabase();

const variants: Array<[string, (line: string) => unknown]> = [
  ['JSON.parse only', (line) => JSON.parse(line)],
  ['parse (line → event)', (line) => parse(line)],
  [
    'parse + enrich (geo)',
    (line) => {
      const result = parse(line);
      return result.ok ? enrich(result.event) : undefined;
    },
  ],
];

// Rounds are interleaved so that noise from other processes hits every variant alike.
const best = variants.map(() => Number.POSITIVE_INFINITY);
let results = 0;
for (let round = 0; round < ROUNDS; round++) {
  variants.forEach(([, run], index) => {
    const began = performance.now();
    for (let i = 0; i < LINES; i++) if (run(lines[i]!) !== undefined) results++;
    best[index] = Math.min(best[index]!, performance.now() - began);
  });
}

const averageBytes = Math.round(lines.reduce((sum, line) => sum + line.length, 0) / LINES);
console.log(
  `${LINES.toLocaleString('en-US')} lines of ~${averageBytes} bytes, best of ${ROUNDS} interleaved rounds`,
);
variants.forEach(([name], index) => {
  const ms = best[index]!;
  const perEvent = ((ms * 1e6) / LINES).toFixed(0);
  const perSecond = Math.round(LINES / (ms / 1000)).toLocaleString('en-US');
  console.log(`${name.padEnd(24)} ${perEvent.padStart(6)} ns/event ${perSecond.padStart(11)} events/s`);
});
const overhead = ((best[2]! - best[0]!) * 1e6) / LINES;
console.log(`parse + enrich beyond JSON.parse: ${overhead.toFixed(0)} ns/event (${results} results)`);
