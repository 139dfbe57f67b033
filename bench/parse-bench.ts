/**
 * Micro-benchmark of event intake on the replay benchmark's own events: the cost per event of each
 * stage in front of the engine (parse, dedupe, reorder, enrich), beside plain `JSON.parse` of the
 * same lines. Lines are read into memory first, so file reading is not measured.
 *
 * Run: `node --import tsx bench/parse-bench.ts [FILE] [--lines N] [--rounds R]`
 * (default FILE bench/out/events-1000000-20000.ndjson, written by `npm run bench`, generated here
 * when missing; ~330-byte lines, 20k keys, ~200k addresses, unique requestIds).
 *
 * Every round starts each variant with fresh stages (an empty dedupe window and address cache), as a
 * replay does. Times are CPU time of the process (user + system, garbage collector threads included),
 * best of the rounds, which are interleaved so that noise from other processes hits every variant
 * alike; CPU time rather than wall time keeps a busy machine from inflating the figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEnricher } from '../src/enrich/enrich.js';
import { loadGeoDatabase } from '../src/enrich/geo.js';
import { RequestIdDeduper } from '../src/events/dedupe.js';
import { createEventParser } from '../src/events/parse.js';
import { ReorderBuffer } from '../src/events/reorder.js';
import type { AccessEvent } from '../src/events/types.js';
import { writeBenchEvents } from './events.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const defaultFile = join(import.meta.dirname, 'out', 'events-1000000-20000.ndjson');
const positional = process.argv
  .slice(2)
  .find((arg, i, args) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const file = positional ?? defaultFile;
if (!existsSync(file)) {
  if (file !== defaultFile) throw new Error(`no such file: ${file}`);
  await writeBenchEvents({ path: file, keys: 20_000, events: 1_000_000 });
}
const rounds = option('--rounds', 3);
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .slice(0, option('--lines', Number.POSITIVE_INFINITY));
const count = lines.length;

// Defaults of config/default.yaml (events.dedupeCapacity, reorderWindowSeconds, enrich.geoCacheSize).
const DEDUPE_CAPACITY = 200_000;
const LATENESS_MS = 60_000;
const ADDRESS_CACHE_SIZE = 100_000;

loadGeoDatabase();

/** One variant: builds fresh stages and returns the per-line function (its result keeps work alive). */
type Variant = [name: string, build: () => (line: string) => unknown];

const referenceTime = () => Number.POSITIVE_INFINITY;

function intake(stages: {
  dedupe: boolean;
  reorder: boolean;
  enrich: boolean;
}): () => (line: string) => unknown {
  return () => {
    const parse = createEventParser({ format: 'canonical', referenceTime });
    const deduper = new RequestIdDeduper({ capacity: DEDUPE_CAPACITY });
    const reorder = new ReorderBuffer<AccessEvent>({ allowedLatenessMs: LATENESS_MS });
    const enrich = createEnricher({ cacheSize: ADDRESS_CACHE_SIZE });
    return (line) => {
      const result = parse(line);
      if (!result.ok) return undefined;
      const event = result.event;
      if (stages.dedupe && event.requestId !== undefined && deduper.seen(event.requestId)) return undefined;
      if (!stages.reorder) return stages.enrich ? enrich(event) : event;
      const released = reorder.push(event);
      let last: unknown = released;
      if (stages.enrich) for (let i = 0; i < released.length; i++) last = enrich(released[i]!);
      return last;
    };
  };
}

const variants: Variant[] = [
  ['JSON.parse only', () => (line) => JSON.parse(line)],
  ['parse', intake({ dedupe: false, reorder: false, enrich: false })],
  ['parse + dedupe', intake({ dedupe: true, reorder: false, enrich: false })],
  ['parse + dedupe + reorder', intake({ dedupe: true, reorder: true, enrich: false })],
  ['+ enrich (full intake)', intake({ dedupe: true, reorder: true, enrich: true })],
];

const best = variants.map(() => Number.POSITIVE_INFINITY);
let results = 0;
for (let round = 0; round < rounds; round++) {
  variants.forEach(([, build], index) => {
    const run = build();
    const began = process.cpuUsage();
    for (let i = 0; i < count; i++) if (run(lines[i]!) !== undefined) results++;
    const used = process.cpuUsage(began);
    best[index] = Math.min(best[index]!, (used.user + used.system) / 1000);
  });
}

const nsPerEvent = (ms: number) => (ms * 1e6) / count;
const averageBytes = Math.round(lines.reduce((sum, line) => sum + line.length, 0) / count);
console.log(
  `${count.toLocaleString('en-US')} lines of ~${averageBytes} bytes from ${file}, CPU time, best of ${rounds} interleaved rounds`,
);
console.log(
  `${'variant'.padEnd(26)} ${'ns/event'.padStart(9)} ${'events/s'.padStart(11)}   beyond JSON.parse   this stage`,
);
variants.forEach(([name], index) => {
  const ms = best[index]!;
  const perSecond = Math.round(count / (ms / 1000)).toLocaleString('en-US');
  const beyond = index === 0 ? '' : `${nsPerEvent(ms - best[0]!).toFixed(0)} ns`;
  const stage = index < 2 ? '' : `${nsPerEvent(ms - best[index - 1]!).toFixed(0)} ns`;
  console.log(
    `${name.padEnd(26)} ${nsPerEvent(ms).toFixed(0).padStart(9)} ${perSecond.padStart(11)}   ${beyond.padStart(17)}   ${stage.padStart(10)}`,
  );
});
const full = best[best.length - 1]!;
console.log(
  `full intake beyond JSON.parse: ${nsPerEvent(full - best[0]!).toFixed(0)} ns/event (target ≤ 1000; ${results} results)`,
);
