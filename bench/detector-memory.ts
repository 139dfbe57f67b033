import { builtInDetectors } from '../detectors/index.js';
import type { AnyDetector, DetectorContext, KeyPolicy } from '../detectors/types.js';
import { loadConfig } from '../src/config/load.js';
import { prepareDetectors } from '../src/engine/registry.js';
import { createEnricher } from '../src/enrich/enrich.js';
import { createGeoLookup, loadGeoDatabase } from '../src/enrich/geo.js';
import { parseIp } from '../src/enrich/network.js';
import type { EnrichedEvent, GeoInfo } from '../src/events/types.js';
import { Random } from '../src/scenarios/random.js';
import { PREFIXES, ROUTES } from './events.js';

/**
 * Per-detector figures, measured one detector at a time:
 * - heap per key: 100k keys × 5 events each, from one or two addresses of one city, an event every
 *   80 minutes of event time (heap with the states held minus heap after dropping them, / keys);
 * - cost per event: the sparse bench workload (1M events over 20k keys, so a key sees an event every
 *   ~80 minutes and nearly every event starts a new minute and hour for its key), `evaluate` only.
 *
 * Both exclude the harness (the array holding the states, the loop over pre-built events), measured
 * with a detector that keeps nothing. Times are CPU time, best of `--runs`: the machine may be shared.
 *
 * Run: `node --expose-gc --import tsx bench/detector-memory.ts` with optional `--keys N` (memory),
 * `--events N`, `--sparse-keys N`, `--runs N` (time), `--only id,id`, `--no-memory`, `--no-time`.
 */

const MINUTE_MS = 60_000;
const START = Date.parse('2026-09-01T00:00:00Z');

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
}

const policy: KeyPolicy = Object.freeze({ allowCidrs: [], allowCountries: [] }) as KeyPolicy;

function newContext(): DetectorContext {
  return { policy, keyEvents: 0, keyFirstSeen: 0, timezone: 'UTC' };
}

/**
 * The event of key `key` from address `host` of its own /24 in one shared city: the address strings
 * are parsed afresh, as they are for every key in a real deployment.
 */
function cityEvent(key: number, host: number, ts: number, geo: GeoInfo): EnrichedEvent {
  const ip = `${81 + (key >> 16)}.${(key >> 8) & 255}.${key & 255}.${host}`;
  const address = parseIp(ip)!;
  return {
    ts,
    keyId: `key-${key}`,
    ip,
    method: 'GET',
    path: ROUTES[key % ROUTES.length],
    route: ROUTES[key % ROUTES.length],
    status: 200,
    bytesOut: 1200 + (key % 1000),
    bytesIn: 100,
    orgId: `org-${key % 500}`,
    ipVersion: address.version,
    ipNormalized: address.normalized,
    network: address.network,
    ipKind: address.kind,
    geo,
  };
}

/** Fills `held.states` with the states of `keys` keys after `eventsPerKey` events each. */
function learnKeys(
  held: { states?: unknown[] },
  prepared: { definition: AnyDetector; prepared: unknown },
  keys: number,
  eventsPerKey: number,
  geo: GeoInfo,
): void {
  const detector = prepared.definition;
  const orgStates = new Map<string, unknown>();
  const ctx = newContext();
  ctx.timezone = geo.timezone ?? 'UTC';
  const states: unknown[] = new Array(keys);
  for (let key = 0; key < keys; key++) states[key] = detector.initialState();
  for (let round = 0; round < eventsPerKey; round++) {
    for (let key = 0; key < keys; key++) {
      // One or two addresses per key (every third key alternates with a second one).
      const host = key % 3 === 0 && round % 2 === 1 ? 2 : 1;
      const event = cityEvent(key, host, START + round * 80 * MINUTE_MS + key * 10, geo);
      let org: unknown;
      if (detector.initialOrgState) {
        org = orgStates.get(event.orgId!);
        if (org === undefined) {
          org = detector.initialOrgState();
          orgStates.set(event.orgId!, org);
        }
      }
      ctx.keyEvents = round;
      ctx.keyFirstSeen = START;
      const result = detector.evaluate(event, states[key], prepared.prepared, ctx, org);
      states[key] = result.state;
      if (result.orgState !== undefined) orgStates.set(event.orgId!, result.orgState);
    }
  }
  held.states = states;
}

/** Bytes of heap each key's state holds after `eventsPerKey` events (org states not included). */
function heapPerKey(
  prepared: { definition: AnyDetector; prepared: unknown },
  keys: number,
  eventsPerKey: number,
  geo: GeoInfo,
): number {
  // The states hang off an object, not a local: a local can stay alive in a register past its last use.
  const held: { states?: unknown[] } = {};
  learnKeys(held, prepared, keys, eventsPerKey, geo);
  collectGarbage();
  const withStates = process.memoryUsage().heapUsed;
  held.states = undefined;
  collectGarbage();
  const withoutStates = process.memoryUsage().heapUsed;
  return Math.round((withStates - withoutStates) / keys);
}

interface SparseWorkload {
  events: EnrichedEvent[];
  keyOf: Int32Array;
  orgOf: Int32Array;
  keys: number;
  orgs: string[];
}

/** The bench workload (bench/events.ts), enriched once up front so only `evaluate` is timed. */
function sparseWorkload(eventCount: number, keys: number): SparseWorkload {
  const random = new Random(7);
  const enrich = createEnricher();
  const homes: string[] = [];
  for (let key = 0; key < keys; key++) {
    homes.push(`${PREFIXES[random.int(0, PREFIXES.length - 1)]}.${random.int(0, 255)}`);
  }
  const orgs = Array.from({ length: 500 }, (_, org) => `org-${org}`);
  const events: EnrichedEvent[] = new Array(eventCount);
  const keyOf = new Int32Array(eventCount);
  const orgOf = new Int32Array(eventCount);
  let ts = START;
  for (let index = 0; index < eventCount; index++) {
    ts += Math.floor(random.next() * 500);
    const key = random.int(0, keys - 1);
    const ip = `${homes[key]}.${1 + (random.chance(0.9) ? key % 8 : random.int(0, 253))}`;
    const event = enrich({
      ts,
      keyId: `key-${key}`,
      ip,
      method: 'GET',
      route: ROUTES[key % ROUTES.length],
      status: random.chance(0.97) ? 200 : 404,
      bytesOut: random.int(200, 4000),
      bytesIn: random.int(0, 600),
      orgId: orgs[key % 500],
    })!;
    events[index] = event;
    keyOf[index] = key;
    orgOf[index] = key % 500;
  }
  return { events, keyOf, orgOf, keys, orgs };
}

/** Nanoseconds per event of one detector's `evaluate` over the whole workload, from empty states. */
function nsPerEvent(
  prepared: { definition: AnyDetector; prepared: unknown },
  workload: SparseWorkload,
): number {
  const detector = prepared.definition;
  const { events, keyOf, orgOf } = workload;
  const states: unknown[] = new Array(workload.keys);
  const counts = new Int32Array(workload.keys);
  const firstSeen = new Float64Array(workload.keys);
  for (let key = 0; key < workload.keys; key++) states[key] = detector.initialState();
  const orgStates: unknown[] = workload.orgs.map(() => detector.initialOrgState?.());
  const ctx = newContext();
  let findings = 0;
  // CPU time, not wall time: the machine is shared, and a descheduled process is not slower code.
  const started = process.cpuUsage();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const key = keyOf[index]!;
    const org = orgOf[index]!;
    if (counts[key] === 0) firstSeen[key] = event.ts;
    ctx.keyEvents = counts[key]!;
    ctx.keyFirstSeen = firstSeen[key]!;
    ctx.timezone = event.geo.timezone ?? 'UTC';
    const result = detector.evaluate(event, states[key], prepared.prepared, ctx, orgStates[org]);
    states[key] = result.state;
    if (result.orgState !== undefined) orgStates[org] = result.orgState;
    if (result.finding) findings++;
    counts[key]!++;
  }
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) * 1000;
  if (findings < 0) throw new Error('unreachable: keeps the findings count alive');
  return elapsed / events.length;
}

/** A detector that keeps nothing, to measure the holding array itself. */
const nullDetector = {
  definition: {
    ...builtInDetectors[0]!,
    initialOrgState: undefined,
    initialState: () => null,
    evaluate: () => ({ state: null }),
  },
  prepared: undefined,
};

const keys = option('--keys', 100_000);
const eventCount = option('--events', 1_000_000);
const sparseKeys = option('--sparse-keys', 20_000);
const runs = option('--runs', 3);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1]!.split(',') : undefined;

loadGeoDatabase();
const config = loadConfig();
const detectors = prepareDetectors(builtInDetectors, config.detectors as Record<string, unknown>).filter(
  (detector) => only === undefined || only.includes(detector.definition.id),
);

if (!process.argv.includes('--no-memory')) {
  const cityGeo = createGeoLookup()('81.2.69.160');
  process.stdout.write(
    `heap per key: ${keys.toLocaleString('en-US')} keys × 5 events from one or two addresses of one city (${cityGeo.city}, ${cityGeo.country})\n`,
  );
  // What holding one more key costs with no state at all (its slot in the array of states).
  const slot = heapPerKey(nullDetector, keys, 5, cityGeo);
  for (const detector of detectors) {
    heapPerKey(detector, 2_000, 5, cityGeo); // warm-up: compiled code and shared tables stay out of the delta
    const bytes = heapPerKey(detector, keys, 5, cityGeo) - slot;
    process.stdout.write(`  ${detector.definition.id.padEnd(14)} ${String(bytes).padStart(5)} bytes\n`);
  }
}

if (!process.argv.includes('--no-time')) {
  const workload = sparseWorkload(eventCount, sparseKeys);
  process.stdout.write(
    `cost per event: ${eventCount.toLocaleString('en-US')} sparse events over ${sparseKeys.toLocaleString('en-US')} keys, ${runs} runs\n`,
  );
  const bestOf = (detector: { definition: AnyDetector; prepared: unknown }) => {
    const timings: number[] = [];
    for (let run = 0; run < runs; run++) {
      collectGarbage(); // garbage of earlier runs is not this run's cost
      timings.push(nsPerEvent(detector, workload));
    }
    // The machine is shared: the fastest run is the least disturbed one.
    return { best: Math.min(...timings), timings };
  };
  // The harness alone (reading the pre-built events, the context, the loop): subtracted below.
  const loop = bestOf(nullDetector).best;
  process.stdout.write(`  ${'(harness)'.padEnd(14)} ${loop.toFixed(0).padStart(5)} ns\n`);
  for (const detector of detectors) {
    const { best, timings } = bestOf(detector);
    const shown = timings.map((ns) => ns.toFixed(0)).join(', ');
    process.stdout.write(
      `  ${detector.definition.id.padEnd(14)} ${(best - loop).toFixed(0).padStart(5)} ns  (best run ${best.toFixed(0)} ns with the harness; runs: ${shown})\n`,
    );
  }
}
