import { createReadStream } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { createReplayPipeline } from '../src/engine/replay.js';
import { loadGeoDatabase } from '../src/enrich/geo.js';
import { readLines } from '../src/events/line-reader.js';
import { readEventsThreaded } from '../src/events/threaded-intake.js';

export interface Throughput {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** The baseline: read the file line by line and JSON.parse each line, nothing else. */
export async function parseOnly(path: string): Promise<Throughput> {
  const started = performance.now();
  let events = 0;
  let sink = 0;
  for await (const item of readLines(createReadStream(path, { highWaterMark: 1 << 20 }), 1 << 20)) {
    if (item.text === undefined || item.text === '') continue;
    const value = JSON.parse(item.text) as { ts?: string };
    if (value.ts !== undefined) sink++;
    events++;
  }
  const seconds = (performance.now() - started) / 1000;
  if (sink !== events) throw new Error('baseline parsed fewer events than lines');
  return { events, seconds, eventsPerSecond: Math.round(events / seconds) };
}

/** The full replay (parse, dedupe, reorder, enrich, every detector, episodes) over the same file. */
export async function replayFile(path: string): Promise<Throughput & { keys: number; alerts: number }> {
  const config = loadConfig();
  // The geo database loads once per process (~0.2 s); a service pays it at start-up, not per event.
  loadGeoDatabase();
  const started = performance.now();
  const { pipeline, alerts } = createReplayPipeline({ config });
  await readEventsThreaded(createReadStream(path, { highWaterMark: 1 << 20 }), config.events, {
    onEvent: (event) => pipeline.admit(event),
    onReject: (rejection, line) => pipeline.rejectRaw(rejection, line),
  });
  pipeline.flush();
  const seconds = (performance.now() - started) / 1000;
  const events = pipeline.stats.read;
  return {
    events,
    seconds,
    eventsPerSecond: Math.round(events / seconds),
    keys: pipeline.engine.keyCount,
    alerts: alerts.size,
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the benchmark with node --expose-gc (npm run bench does)');
  gc();
  gc();
}

/**
 * Heap held by per-key state: replay the file, then measure the heap with the engine's keys and
 * again after dropping them. The difference divided by the keys is the heap per tracked key
 * (bounded caches such as the dedupe window and the geo cache are not per key and stay in both).
 */
export async function heapPerKey(
  path: string,
): Promise<{ keys: number; bytesPerKey: number; heapMb: number }> {
  const config = loadConfig();
  const { pipeline } = createReplayPipeline({ config });
  for await (const item of readLines(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    config.events.maxLineBytes,
  )) {
    if (item.text === undefined || item.text === '') continue;
    pipeline.ingest(item.text, item.line);
  }
  pipeline.flush();
  collectGarbage();
  const withKeys = process.memoryUsage().heapUsed;
  const keys = pipeline.engine.keyCount;
  for (const keyId of [...pipeline.engine.keyIds()]) pipeline.engine.dropKey(keyId);
  collectGarbage();
  const withoutKeys = process.memoryUsage().heapUsed;
  return {
    keys,
    bytesPerKey: Math.round((withKeys - withoutKeys) / keys),
    heapMb: Math.round(withKeys / 1048576),
  };
}
