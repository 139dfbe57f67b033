import type { Alert, AlertStatus, Severity, TimelineEntry } from '../src/engine/types.js';
import type { Store } from '../src/store/types.js';

/** Alerts of the store and API benchmarks: a year of alerts over many keys, deterministic. */
export const START_MS = Date.parse('2025-01-01T00:00:00.000Z');
export const SPAN_MS = 365 * 24 * 3600_000;

/** Small deterministic PRNG (mulberry32) so that runs are comparable. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  let roll = random();
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

const SEVERITIES = [
  ['low', 0.4],
  ['medium', 0.35],
  ['high', 0.2],
  ['critical', 0.05],
] as const satisfies readonly (readonly [Severity, number])[];
const STATUSES = [
  ['closed', 0.7],
  ['open', 0.2],
  ['acknowledged', 0.05],
  ['resolved', 0.04],
  ['false_positive', 0.01],
] as const satisfies readonly (readonly [AlertStatus, number])[];
const DETECTORS = [
  ['unfamiliar-ip', 0.5],
  ['odd-hours', 0.3],
  ['usage-spike', 0.17],
  ['impossible-travel', 0.03],
] as const;

export function generateAlert(
  index: number,
  random: () => number,
  total: number,
  keys: number,
): { alert: Alert; entry: TimelineEntry } {
  const tsMs = START_MS + Math.floor((index / total) * SPAN_MS + random() * 60_000);
  const ts = new Date(tsMs).toISOString();
  const detector = pick(random, DETECTORS);
  const detectors = random() < 0.3 ? [detector, pick(random, DETECTORS)] : [detector];
  const unique = [...new Set(detectors)];
  const ip = `198.51.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
  const entry: TimelineEntry = {
    ts,
    detector,
    score: 0.8,
    risk: 0.8,
    subject: ip,
    title: 'Use from an unfamiliar network',
    explanation: `The key was used from ${ip} (AS64500, BR); it is usually used from the US and DE.`,
    ip,
  };
  const alert: Alert = {
    id: `al_${index.toString(36).padStart(8, '0')}`,
    keyId: `key-${Math.floor(random() * keys)}`,
    orgId: `org-${Math.floor(random() * 200)}`,
    detector,
    detectors: unique,
    severity: pick(random, SEVERITIES),
    score: Math.round(random() * 1000) / 1000,
    ts,
    lastSeen: new Date(tsMs + Math.floor(random() * 3600_000)).toISOString(),
    count: 1 + Math.floor(random() * 40),
    status: pick(random, STATUSES),
    title: 'Key used from an unfamiliar network',
    summary: `The key was used from ${ip}, a network it has never used, outside its usual countries.`,
    evidence: {
      [detector]: { knownCountries: { US: 1840, DE: 311 }, observed: { country: 'BR', asn: 64500 } },
    },
    ips: [ip],
  };
  return { alert, entry };
}

/** Commits `total` generated alerts in batches; prints progress on stderr; returns alerts per second. */
export async function loadAlerts(
  store: Store,
  total: number,
  keys: number,
  batchSize: number,
): Promise<number> {
  const random = prng(42);
  const started = performance.now();
  let batch: { alert: Alert; newTimeline: TimelineEntry[] }[] = [];
  for (let index = 0; index < total; index++) {
    const { alert, entry } = generateAlert(index, random, total, keys);
    batch.push({ alert, newTimeline: [entry] });
    if (batch.length === batchSize || index === total - 1) {
      await store.commit({ alerts: batch, keyStates: [] });
      batch = [];
      if ((index + 1) % 100_000 === 0) {
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`  ${index + 1} alerts, ${Math.round((index + 1) / seconds)}/s\n`);
      }
    }
  }
  return total / ((performance.now() - started) / 1000);
}
