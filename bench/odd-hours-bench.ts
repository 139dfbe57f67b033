import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import Value from 'typebox/value';
import { oddHours as builtInOddHours, type OddHoursConfig } from '../detectors/odd-hours/index.js';
import type { BusinessHours, DetectorContext, KeyPolicy } from '../detectors/types.js';
import { createLocalTimeResolver } from '../src/events/local-time.js';
import type { EnrichedEvent } from '../src/events/types.js';
import { Random } from '../src/scenarios/random.js';

/**
 * Micro-benchmark of the `odd-hours` detector alone, on a sparse workload like the one real
 * deployments see: 20k keys, 1M events over three weeks, each key with its own routine (office hours
 * in one of several zones, around the clock, a nightly batch, long shifts, irregular use), a
 * heavy-tailed number of events per key, small bursts within an hour and a few uses at odd hours.
 * Prints ns per event and the heap of a key with five events.
 *
 *   node --expose-gc --import tsx bench/odd-hours-bench.ts [--quick] [--events=FILE] [--detector=…/index.ts]
 *
 * `--events=FILE` replays the event times and keys of an NDJSON file instead (e.g.
 * bench/out/events-1000000-20000.ndjson, the workload of `npm run bench`), each key living in one of
 * the zones below. `--detector` loads another build of the detector (e.g. a copy of the previous
 * version) so that before and after can be compared in the same conditions; give the copy's folder a
 * package.json with `"type": "module"`, or tsx loads it as CommonJS and it runs markedly slower.
 * Times are CPU time per event, best and median of six passes from fresh states.
 */

type Detector = typeof builtInOddHours;

const argument = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const detectorPath = argument('detector');
const eventsPath = argument('events');
const oddHours: Detector = detectorPath
  ? ((await import(pathToFileURL(resolve(detectorPath)).href)) as { oddHours: Detector }).oddHours
  : builtInOddHours;

const KEYS = quick ? 4_000 : 20_000;
const EVENTS = quick ? 200_000 : 1_000_000;
const HOUR_MS = 3_600_000;
const DAYS = 21;
/** Monday 2026-09-07 00:00 UTC. */
const START = Date.parse('2026-09-07T00:00:00Z');
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'America/Los_Angeles',
  'Europe/London',
  'Asia/Kolkata',
  'Australia/Sydney',
  'UTC',
];
const OFFICE_HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], startHour: 8, endHour: 18 };

/** How likely a key with this routine is active in a local (day, hour): 0 … 1. */
type Routine = (day: number, hour: number) => number;
const office: Routine = (day, hour) => (day >= 1 && day <= 5 && hour >= 8 && hour < 18 ? 1 : 0.01);
const aroundTheClock: Routine = () => 1;
const longShifts: Routine = (_day, hour) => (hour >= 6 && hour < 22 ? 1 : 0.02);
const irregular: Routine = (day, hour) => (day >= 1 && day <= 5 ? 0.6 : 0.2) * (hour >= 7 ? 1 : 0.3);
const nightlyBatch =
  (hour: number): Routine =>
  (_day, localHour) =>
    localHour === hour || localHour === (hour + 1) % 24 ? 1 : 0;

interface BenchKey {
  zone: string;
  /** The engine infers a zone from the key's main location: until then the key reads as UTC. */
  utcUntilEvent: number;
  policy: KeyPolicy;
}

/**
 * The events in event-time order, with what the engine would put in the detector context worked out
 * beforehand, so that a pass measures the detector and not the bench's own look-ups.
 */
interface Workload {
  keys: number;
  times: Float64Array;
  keyOf: Int32Array;
  /** The key's events before this one, and its first event time. */
  keyEvents: Int32Array;
  keyFirstSeen: Float64Array;
  zones: string[];
  policies: KeyPolicy[];
}

function makeWorkload(random: Random): Workload {
  const local = createLocalTimeResolver();
  const keys: BenchKey[] = [];
  const routines: Routine[] = [];
  const shares: number[] = [];
  for (let index = 0; index < KEYS; index += 1) {
    const kind = random.next();
    let routine: Routine;
    let zone = random.pick(ZONES);
    let policy: KeyPolicy = { allowCidrs: [], allowCountries: [] };
    if (kind < 0.45) {
      routine = office;
      if (random.chance(0.1)) policy = { ...policy, businessHours: OFFICE_HOURS };
    } else if (kind < 0.65) {
      routine = aroundTheClock;
      zone = 'UTC';
    } else if (kind < 0.75) routine = nightlyBatch(random.int(0, 23));
    else if (kind < 0.85) routine = longShifts;
    else routine = irregular;
    keys.push({ zone, utcUntilEvent: zone !== 'UTC' && random.chance(0.3) ? 3 : 0, policy });
    routines.push(routine);
    shares.push(random.logNormal(1, 1.2));
  }
  const shareTotal = shares.reduce((sum, share) => sum + share, 0);
  // Whole seconds and the key index packed into one number, so one typed-array sort orders them.
  const packed: number[] = [];
  const hours = DAYS * 24;
  for (let index = 0; index < KEYS; index += 1) {
    const wanted = Math.max(1, Math.round((shares[index]! / shareTotal) * EVENTS));
    const { zone } = keys[index]!;
    const routine = routines[index]!;
    let made = 0;
    while (made < wanted) {
      const hourStart = START + random.int(0, hours - 1) * HOUR_MS;
      const leak = random.chance(0.003);
      const odds = leak ? 1 : routine(local.localDay(hourStart, zone), local.localHour(hourStart, zone));
      if (!random.chance(odds)) continue;
      const burst = Math.min(wanted - made, random.chance(0.7) ? 1 : random.int(2, 4));
      for (let call = 0; call < burst; call += 1) {
        const second = Math.floor((hourStart + random.int(0, HOUR_MS - 1)) / 1000);
        packed.push(second * 32_768 + index);
      }
      made += burst;
    }
  }
  const order = Float64Array.from(packed).sort();
  const count = order.length;
  const workload: Workload = {
    keys: KEYS,
    times: new Float64Array(count),
    keyOf: new Int32Array(count),
    keyEvents: new Int32Array(count),
    keyFirstSeen: new Float64Array(count),
    zones: new Array<string>(count),
    policies: new Array<KeyPolicy>(count),
  };
  const seen = new Int32Array(KEYS);
  const firstSeen = new Float64Array(KEYS);
  for (let index = 0; index < count; index += 1) {
    const value = order[index]!;
    const keyIndex = value % 32_768;
    const ts = ((value - keyIndex) / 32_768) * 1000;
    const key = keys[keyIndex]!;
    if (seen[keyIndex] === 0) firstSeen[keyIndex] = ts;
    workload.times[index] = ts;
    workload.keyOf[index] = keyIndex;
    workload.keyEvents[index] = seen[keyIndex]!;
    workload.keyFirstSeen[index] = firstSeen[keyIndex]!;
    workload.zones[index] = seen[keyIndex]! < key.utcUntilEvent ? 'UTC' : key.zone;
    workload.policies[index] = key.policy;
    seen[keyIndex]! += 1;
  }
  return workload;
}

/** The event times and keys of an NDJSON event file, in file order; no business hours. */
async function readWorkload(path: string): Promise<Workload> {
  const keyIndexes = new Map<string, number>();
  const times: number[] = [];
  const keyOf: number[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    if (text === '') continue;
    const event = JSON.parse(text) as { ts: string | number; keyId: string };
    let keyIndex = keyIndexes.get(event.keyId);
    if (keyIndex === undefined) {
      keyIndex = keyIndexes.size;
      keyIndexes.set(event.keyId, keyIndex);
    }
    times.push(typeof event.ts === 'number' ? event.ts : Date.parse(event.ts));
    keyOf.push(keyIndex);
  }
  const policy: KeyPolicy = { allowCidrs: [], allowCountries: [] };
  const seen = new Int32Array(keyIndexes.size);
  const firstSeen = new Float64Array(keyIndexes.size);
  const workload: Workload = {
    keys: keyIndexes.size,
    times: Float64Array.from(times),
    keyOf: Int32Array.from(keyOf),
    keyEvents: new Int32Array(times.length),
    keyFirstSeen: new Float64Array(times.length),
    zones: new Array<string>(times.length),
    policies: new Array<KeyPolicy>(times.length).fill(policy),
  };
  for (let index = 0; index < times.length; index += 1) {
    const keyIndex = keyOf[index]!;
    if (seen[keyIndex] === 0) firstSeen[keyIndex] = times[index]!;
    workload.keyEvents[index] = seen[keyIndex]!;
    workload.keyFirstSeen[index] = firstSeen[keyIndex]!;
    workload.zones[index] = ZONES[keyIndex % ZONES.length]!;
    seen[keyIndex]! += 1;
  }
  return workload;
}

function prepareDetector() {
  const config = Value.Default(oddHours.configSchema, {}) as OddHoursConfig;
  return oddHours.prepare!(config);
}

const benchEvent = { ts: 0 } as EnrichedEvent;

/** CPU time of this process: steadier than wall time on a machine shared with other work. */
function cpuMicroseconds(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * One pass of the whole workload from fresh states, as the engine runs a detector (one reused
 * context, the key's state looked up per event); returns ns per event and the findings.
 */
function runPass(
  workload: Workload,
  evaluate: Detector['evaluate'],
): { nsPerEvent: number; findings: number } {
  const prepared = prepareDetector();
  const states = Array.from({ length: workload.keys }, () => oddHours.initialState());
  const ctx: DetectorContext = {
    policy: workload.policies[0]!,
    keyEvents: 0,
    keyFirstSeen: 0,
    timezone: 'UTC',
  };
  let findings = 0;
  const { times, keyOf, keyEvents, keyFirstSeen, zones, policies } = workload;
  const started = cpuMicroseconds();
  for (let index = 0; index < times.length; index += 1) {
    const keyIndex = keyOf[index]!;
    benchEvent.ts = times[index]!;
    ctx.policy = policies[index]!;
    ctx.keyEvents = keyEvents[index]!;
    ctx.keyFirstSeen = keyFirstSeen[index]!;
    ctx.timezone = zones[index]!;
    const result = evaluate(benchEvent, states[keyIndex]!, prepared, ctx);
    states[keyIndex] = result.state;
    if (result.finding) findings += 1;
  }
  return { nsPerEvent: ((cpuMicroseconds() - started) * 1000) / times.length, findings };
}

/** The bench loop with a detector that does nothing: what a pass costs besides the detector. */
const doNothing: Detector['evaluate'] = (_event, state) => ({ state });

/** The part of a pass that is the shared local-time resolver alone (not the detector's own work). */
function resolverPass(workload: Workload): number {
  const local = createLocalTimeResolver();
  const { times, zones } = workload;
  let sink = 0;
  const started = cpuMicroseconds();
  for (let index = 0; index < times.length; index += 1)
    sink += local.hourOfWeek(times[index]!, zones[index]!);
  if (sink < 0) throw new Error('unreachable');
  return ((cpuMicroseconds() - started) * 1000) / times.length;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
}

/** Heap held per key by the states of `count` keys with five events each (distinct hours, mixed zones). */
function heapOfFiveEventKeys(count: number): { bytesPerKey: number; jsonBytesPerKey: number } {
  const prepared = prepareDetector();
  const random = new Random(5);
  const plans = Array.from({ length: count }, () => {
    const zone = random.pick(ZONES);
    const hours = new Set<number>();
    while (hours.size < 5) hours.add(random.int(0, DAYS * 24 - 1));
    const times = [...hours]
      .sort((a, b) => a - b)
      .map((hour) => START + hour * HOUR_MS + random.int(0, 3599) * 1000);
    return { zone, times };
  });
  const ctx: DetectorContext = {
    policy: { allowCidrs: [], allowCountries: [] },
    keyEvents: 0,
    keyFirstSeen: 0,
    timezone: 'UTC',
  };
  const build = (target: unknown[]) => {
    plans.forEach((plan, index) => {
      let state = oddHours.initialState();
      ctx.timezone = plan.zone;
      ctx.keyFirstSeen = plan.times[0]!;
      plan.times.forEach((ts, seen) => {
        benchEvent.ts = ts;
        ctx.keyEvents = seen;
        state = oddHours.evaluate(benchEvent, state, prepared, ctx).state;
      });
      target[index] = state;
    });
  };
  // A first build warms the zone cache, so the measured delta holds the states alone.
  build(new Array<unknown>(count).fill(undefined));
  const states = new Array<unknown>(count).fill(undefined);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  build(states);
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  const json = states.reduce<number>((sum, state) => sum + JSON.stringify(state).length, 0);
  return { bytesPerKey: Math.round((after - before) / count), jsonBytesPerKey: Math.round(json / count) };
}

const line = (text: string) => process.stdout.write(`${text}\n`);
const workload = eventsPath ? await readWorkload(eventsPath) : makeWorkload(new Random(2026));
const span = (workload.times[workload.times.length - 1]! - workload.times[0]!) / 86_400_000;
line(
  `odd-hours: ${workload.times.length.toLocaleString('en-US')} events over ${workload.keys.toLocaleString('en-US')} keys, ${span.toFixed(1)} days${eventsPath ? ` from ${eventsPath}` : ''}${detectorPath ? ` (${detectorPath})` : ''}`,
);
const passes = 6;
const measure = (evaluate: Detector['evaluate']) => {
  runPass(workload, evaluate); // warm-up: JIT and the zone cache
  const results = Array.from({ length: passes }, () => runPass(workload, evaluate));
  const sorted = results.map((pass) => pass.nsPerEvent).sort((a, b) => a - b);
  return { best: sorted[0]!, median: sorted[passes >> 1]!, findings: results[0]!.findings };
};
const detector = measure(oddHours.evaluate);
const harness = measure(doNothing);
resolverPass(workload);
const resolver = resolverPass(workload);
line(
  `  evaluate            ${detector.best.toFixed(0)} ns per event (best of ${passes}; median ${detector.median.toFixed(0)}), ${detector.findings} findings`,
);
line(
  `    of which          ~${harness.best.toFixed(0)} ns the bench loop, ~${resolver.toFixed(0)} ns the shared zone resolver`,
);
const heap = heapOfFiveEventKeys(quick ? 20_000 : 100_000);
line(
  `  heap                ${heap.bytesPerKey} bytes per key with 5 events (${heap.jsonBytesPerKey} bytes of JSON)`,
);
