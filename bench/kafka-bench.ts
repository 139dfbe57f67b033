/**
 * Kafka benchmark, against a real broker (KAFKA_BROKERS, else one started with scripts/kafka/up.mjs
 * and stopped afterwards):
 *
 * 1. Consume rate, on one 6-partition topic in one run: a raw kafkajs consumer that only JSON.parses
 *    each message, beside the full pipeline (Kafka source → runtime.process → SQLite store), each in
 *    a consumer group of its own, alternating (raw, intake, full, raw, intake, full); the best of
 *    each is reported, with the CPU time of this process per event (less sensitive to a busy machine
 *    than the rate) and, when the bench knows the broker's process, the broker's. Target: full ≥ 70%
 *    of raw. Three diagnostics stand beside it: "intake only" is kafkajs with Keywatch's parsing,
 *    validation and dedupe of each message and nothing else (no detection, no store), the least any
 *    design must do per message; the "CPU ceiling" is the rate the machine's cores would allow if
 *    the full pipeline's CPU per event (its own and the broker's) were spread over all of them with
 *    no loss, a bound no threading of the same work can pass; "two instances" runs the full
 *    pipeline in two processes at once, each with half the keys on a topic of its own (scale-out
 *    at its best: no rebalance, no uneven assignment).
 * 2. Latency: events produced at a steady rate (default 2,000/s) while the full pipeline consumes;
 *    time from produce to the event's batch being stored, and from produce to each alert change
 *    being stored. Target: p99 ≤ 1 s.
 *
 *   node --import tsx bench/kafka-bench.ts [--events 300000] [--keys 4000] [--rate 2000] [--seconds 30] [--json]
 *
 * From bench/run.ts: `results.kafka = await kafkaBench({ quick, log: line })` (import from './kafka-bench.js').
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type KeywatchConfig, loadConfig } from '../src/config/load.js';
import { validateSection } from '../src/config/validate.js';
import type { AlertChange } from '../src/engine/types.js';
import { EventIntake } from '../src/events/intake.js';
import { createMetrics } from '../src/metrics.js';
import { generateScenario } from '../src/scenarios/generate.js';
import { Runtime } from '../src/service/runtime.js';
import { createKafkaClient, type KafkaClient, type OutgoingMessage } from '../src/sources/kafka-client.js';
import { KafkaConfig } from '../src/sources/kafka-config.js';
import { type KafkaSourceRuntime, startKafkaSource } from '../src/sources/kafka-consumer.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { writeBenchEvents } from './events.js';

export interface KafkaBenchOptions {
  events?: number;
  keys?: number;
  rate?: number;
  seconds?: number;
  /** Smaller figures for a quick look. */
  quick?: boolean;
  log?: (line: string) => void;
}

export interface KafkaBenchResult {
  events: number;
  partitions: number;
  raw: Rate[];
  intake: Rate[];
  full: Rate[];
  ratio: number;
  /** Best intake-only rate over the best raw rate. */
  intakeRatio: number;
  cores: number;
  /** Events/s the cores allow at the full pipeline's CPU per event (its own and the broker's). */
  ceiling: number;
  /** The ceiling over the best raw rate. */
  ceilingRatio: number;
  /** Two instances, one per core, each with half the keys on a topic of its own. */
  scaleOut: ScaleOut;
  latency: {
    rate: number;
    seconds: number;
    events: number;
    eventP50Ms: number;
    eventP99Ms: number;
    alertChanges: number;
    alertP50Ms: number;
    alertP99Ms: number;
  };
}

const PARTITIONS = 6;
const silent = pino({ level: 'silent' });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function kafkaSettings(brokers: string[], overrides: Record<string, unknown> = {}): KafkaConfig {
  return validateSection<KafkaConfig>(
    KafkaConfig,
    { brokers, retry: { retries: 10, initialRetryTimeMs: 100, maxRetryTimeMs: 2000 }, ...overrides },
    'kafka',
  );
}

/** Produces keyed messages partition by partition, in order, with the event time as record timestamp. */
async function produce(kafka: KafkaClient, topic: string, lines: readonly string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const batch: OutgoingMessage[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length > 0) await producer.send(topic, batch.splice(0));
    bytes = 0;
  };
  for (const line of lines) {
    const event = JSON.parse(line) as { keyId: string; ts: string };
    batch.push({ key: event.keyId, value: line, timestamp: String(Date.parse(event.ts)) });
    bytes += line.length;
    // Under the broker's 1 MiB per partition batch even if every message lands in one partition.
    if (bytes > 700_000) await flush();
  }
  await flush();
  await producer.disconnect();
}

/**
 * Wall-clock rate from the first to the last batch, CPU time of this process per event and, when the
 * broker's process is known, the broker's CPU time per event over the same span.
 */
interface Rate {
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  brokerCpuUsPerEvent?: number;
  /** The span measured, epoch ms (to combine processes). */
  firstAtMs: number;
  lastAtMs: number;
}

/** CPU time (µs) a process has used so far, from /proc (Linux); undefined when it cannot be read. */
function processCpuUs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** Measures a consumption span: call `begin` at the first batch and `end` after the last. */
function spanMeter(total: number, brokerPid: number | undefined) {
  let first = 0;
  let cpu = process.cpuUsage();
  let broker: number | undefined;
  return {
    get started() {
      return first !== 0;
    },
    begin() {
      first = performance.now();
      cpu = process.cpuUsage();
      broker = brokerPid === undefined ? undefined : processCpuUs(brokerPid);
    },
    end(last: number): Rate {
      const used = process.cpuUsage(cpu);
      const brokerNow = brokerPid === undefined ? undefined : processCpuUs(brokerPid);
      return {
        eventsPerSecond: Math.round(total / ((last - first) / 1000)),
        cpuUsPerEvent: (used.user + used.system) / total,
        ...(broker !== undefined && brokerNow !== undefined
          ? { brokerCpuUsPerEvent: (brokerNow - broker) / total }
          : {}),
        firstAtMs: performance.timeOrigin + first,
        lastAtMs: performance.timeOrigin + last,
      };
    },
  };
}

/**
 * A bare kafkajs consumer that hands each message to `read`: the raw baseline (JSON.parse only) and
 * the intake-only diagnostic. Events per second from the first to the last batch.
 */
async function bareConsume(
  kafka: KafkaClient,
  topic: string,
  total: number,
  brokerPid: number | undefined,
  name: string,
  read: (value: Buffer) => number,
): Promise<Rate> {
  const consumer = kafka.consumer({ groupId: `bench-${name}-${process.pid}-${Date.now()}`, topics: [topic] });
  const meter = spanMeter(total, brokerPid);
  let seen = 0;
  let sink = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.start(async (batch, control) => {
      if (!meter.started) meter.begin();
      for (const message of batch.messages) sink += read(message.value!);
      seen += batch.messages.length;
      control.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      if (seen >= total) resolve(performance.now());
    });
  });
  const rate = meter.end(await done);
  await consumer.stop();
  if (sink === 0) throw new Error(`${name}: nothing read`);
  return rate;
}

/** The baseline: a raw kafkajs consumer that only parses each message. */
function rawConsume(kafka: KafkaClient, topic: string, total: number, brokerPid?: number): Promise<Rate> {
  return bareConsume(kafka, topic, total, brokerPid, 'raw', (value) => {
    const event = JSON.parse(value.toString()) as { ts: string };
    return event.ts.length;
  });
}

/** Diagnostic: kafkajs with Keywatch's intake (parse, validate, dedupe) of each message, nothing else. */
function intakeConsume(
  kafka: KafkaClient,
  topic: string,
  total: number,
  events: KeywatchConfig['events'],
  brokerPid?: number,
): Promise<Rate> {
  const intake = new EventIntake(events);
  return bareConsume(kafka, topic, total, brokerPid, 'intake', (value) => (intake.read(value).ok ? 1 : 0));
}

/** A runtime over a fresh SQLite store, with a wrapper that reports what each process() call did. */
async function pipelineRuntime(onProcessed: (values: unknown[]) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'kw-kafka-bench-'));
  const store = await openSqliteStore(join(dir, 'keywatch.db'));
  await store.migrate();
  const metrics = createMetrics();
  const runtime = await Runtime.create({
    config: loadConfig(),
    store,
    metrics,
    logger: silent,
    loadPartitionedKeysOnAssignment: true,
  });
  const source: KafkaSourceRuntime = {
    store,
    claimPartitions: (group, topic, partitions) => runtime.claimPartitions(group, topic, partitions),
    takeLostPartitions: () => runtime.takeLostPartitions(),
    assignPartitions: (partitions) => runtime.assignPartitions(partitions),
    revokePartitions: (partitions) => runtime.revokePartitions(partitions),
    checkpoint: () => runtime.checkpoint(),
    async process(events, offsets, partitionOf) {
      const result = await runtime.process(events, offsets, partitionOf);
      onProcessed(events);
      return result;
    },
  };
  const close = async () => {
    await runtime.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { runtime, source, metrics, close };
}

/** The full pipeline over the topic; events per second from first to last processed batch. */
async function fullConsume(
  brokers: string[],
  topic: string,
  total: number,
  brokerPid?: number,
): Promise<Rate> {
  const meter = spanMeter(total, brokerPid);
  let seen = 0;
  let resolveDone: (at: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const pipeline = await pipelineRuntime((values) => {
    if (!meter.started) meter.begin();
    seen += values.length;
    if (seen >= total) resolveDone(performance.now());
  });
  const config = kafkaSettings(brokers, {
    topics: [topic],
    groupId: `bench-full-${process.pid}-${Date.now()}`,
  });
  const source = await startKafkaSource({
    runtime: pipeline.source,
    config,
    logger: silent,
    metrics: pipeline.metrics,
  });
  const rate = meter.end(await done);
  await source.stop();
  await pipeline.close();
  return rate;
}

/** Two instances' combined rate: events per second over the span both were processing. */
interface ScaleOut {
  eventsPerSecond: number;
  /** CPU per event of both processes together. */
  cpuUsPerEvent: number;
  instances: Rate[];
}

/**
 * The design's own way to more throughput, at its best: two instances, one per core, each with
 * exactly half the events (whole keys) on a 3-partition topic of its own, so that no rebalance or
 * uneven assignment gets in the way. Each runs the full pipeline in a process of its own.
 */
async function twoInstances(
  kafka: KafkaClient,
  brokers: string[],
  lines: readonly string[],
): Promise<ScaleOut> {
  const keyIds = lines.map((line) => (JSON.parse(line) as { keyId: string }).keyId);
  const counts = new Map<string, number>();
  for (const keyId of keyIds) counts.set(keyId, (counts.get(keyId) ?? 0) + 1);
  // Whole keys, biggest first, each to the lighter half; each half keeps the order of the whole.
  const sides = new Map<string, number>();
  const loads = [0, 0];
  for (const [keyId, count] of [...counts].sort((a, b) => b[1] - a[1])) {
    const side = loads[0]! <= loads[1]! ? 0 : 1;
    sides.set(keyId, side);
    loads[side]! += count;
  }
  const halves: string[][] = [[], []];
  for (const [index, line] of lines.entries()) halves[sides.get(keyIds[index]!)!]!.push(line);
  const admin = kafka.admin();
  await admin.connect();
  const base = `bench-scale-${process.pid}-${Date.now()}`;
  const topics = [`${base}-a`, `${base}-b`];
  try {
    for (const [index, topic] of topics.entries()) {
      await admin.createTopic({ topic, partitions: PARTITIONS / 2, configs: { 'retention.ms': '-1' } });
      await produce(kafka, topic, halves[index]!);
    }
    const script = fileURLToPath(import.meta.url);
    const instances = await Promise.all(
      topics.map(async (topic, index) => {
        const stdout = await runNodeWith(
          [...process.execArgv, script, '--instance', topic, '--events', String(halves[index]!.length)],
          { ...process.env, KAFKA_BROKERS: brokers.join(',') },
        );
        return JSON.parse(stdout.trimEnd().split('\n').pop()!) as Rate;
      }),
    );
    const first = Math.min(...instances.map((run) => run.firstAtMs));
    const last = Math.max(...instances.map((run) => run.lastAtMs));
    return {
      eventsPerSecond: Math.round(lines.length / ((last - first) / 1000)),
      cpuUsPerEvent:
        instances.reduce((sum, run, index) => sum + run.cpuUsPerEvent * halves[index]!.length, 0) /
        lines.length,
      instances,
    };
  } finally {
    await admin.deleteTopics(topics).catch(() => {});
    await admin.disconnect();
  }
}

/** Produce at a steady rate while the full pipeline consumes; latencies to stored events and alerts. */
async function latency(
  kafka: KafkaClient,
  brokers: string[],
  rate: number,
  seconds: number,
): Promise<KafkaBenchResult['latency']> {
  const topic = `bench-latency-${process.pid}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopic({ topic, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } });
  const count = rate * seconds;
  // A scenario with incidents, so that alerts open and grow while it streams.
  const scenario = generateScenario({ seed: 21, keys: 20, days: 21 });
  const events = scenario.events.slice(0, count);
  const sentAt = new Map<string, number>();
  const eventLatencies: number[] = [];
  const alertLatencies: number[] = [];
  const pipeline = await pipelineRuntime((values) => {
    const now = performance.now() + performance.timeOrigin;
    for (const value of values) {
      const event = JSON.parse(String(value)) as { keyId: string; ts: string };
      const at = sentAt.get(`${event.keyId}|${event.ts}`);
      if (at !== undefined) eventLatencies.push(now - at);
    }
  });
  pipeline.runtime.onAlertChange((change: AlertChange) => {
    const entry = change.entry;
    if (entry === undefined) return;
    const at = sentAt.get(`${change.alert.keyId}|${entry.ts}`);
    if (at !== undefined) alertLatencies.push(performance.now() + performance.timeOrigin - at);
  });
  const source = await startKafkaSource({
    runtime: pipeline.source,
    config: kafkaSettings(brokers, { topics: [topic], groupId: `bench-latency-${process.pid}` }),
    logger: silent,
    metrics: pipeline.metrics,
  });
  // Let the consumer join before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const producer = kafka.producer();
  await producer.connect();
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const started = performance.now();
  let sent = 0;
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * rate) + perTick);
    if (due > sent) {
      const messages: OutgoingMessage[] = [];
      const now = performance.now() + performance.timeOrigin;
      for (; sent < due; sent++) {
        const event = events[sent]!;
        // Normalised as the engine writes it (toISOString), to match timeline entries.
        const ts = new Date(event.ts).toISOString();
        sentAt.set(`${event.keyId}|${ts}`, now);
        messages.push({ key: event.keyId, value: JSON.stringify(event) });
      }
      await producer.send(topic, messages);
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  const deadline = performance.now() + 30_000;
  while (eventLatencies.length < events.length && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  await producer.disconnect();
  await source.stop();
  await pipeline.close();
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.disconnect();
  eventLatencies.sort((a, b) => a - b);
  alertLatencies.sort((a, b) => a - b);
  return {
    rate,
    seconds,
    events: eventLatencies.length,
    eventP50Ms: Math.round(percentile(eventLatencies, 50)),
    eventP99Ms: Math.round(percentile(eventLatencies, 99)),
    alertChanges: alertLatencies.length,
    alertP50Ms: Math.round(percentile(alertLatencies, 50)),
    alertP99Ms: Math.round(percentile(alertLatencies, 99)),
  };
}

function runNodeWith(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 8 << 20, timeout: 15 * 60_000, env }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

function runNode(script: string, args: string[]): Promise<string> {
  return runNodeWith([script, ...args]);
}

/** Runs both measurements and prints them beside their targets. */
export async function kafkaBench(options: KafkaBenchOptions = {}): Promise<KafkaBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const total = options.events ?? (options.quick ? 100_000 : 300_000);
  const keys = options.keys ?? (options.quick ? 2000 : 4000);
  const rate = options.rate ?? 2000;
  const seconds = options.seconds ?? (options.quick ? 10 : 30);
  const scripts = join(import.meta.dirname, '..', 'scripts', 'kafka');
  let started: { bootstrap: string; started: boolean; pid?: number } | undefined;
  let brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    const stdout = await runNode(join(scripts, 'up.mjs'), ['--json']);
    started = JSON.parse(stdout.trimEnd().split('\n').pop()!) as typeof started & {};
    brokers = [started.bootstrap];
  }
  // The broker's CPU is part of the budget: known when this bench (or kafka:up before it) started it.
  const brokerPid = started?.pid ?? undefined;
  try {
    const kafka = createKafkaClient(kafkaSettings(brokers), silent);
    const admin = kafka.admin();
    await admin.connect();
    const topic = `bench-consume-${process.pid}-${Date.now()}`;
    await admin.createTopic({ topic, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } });
    const file = join(tmpdir(), `kw-kafka-bench-${total}-${keys}.ndjson`);
    await writeBenchEvents({ path: file, keys, events: total, seed: 3 });
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    rmSync(file, { force: true });
    const producedAt = performance.now();
    await produce(kafka, topic, lines);
    log(
      `kafka: ${total.toLocaleString('en-US')} events over ${keys.toLocaleString('en-US')} keys on a ${PARTITIONS}-partition topic (produced in ${((performance.now() - producedAt) / 1000).toFixed(1)} s)`,
    );
    const raw: Rate[] = [];
    const intake: Rate[] = [];
    const full: Rate[] = [];
    const events = loadConfig().events;
    for (let round = 0; round < 2; round++) {
      raw.push(await rawConsume(kafka, topic, total, brokerPid));
      intake.push(await intakeConsume(kafka, topic, total, events, brokerPid));
      full.push(await fullConsume(brokers, topic, total, brokerPid));
    }
    const best = (runs: Rate[]) => runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
    const bestRaw = best(raw).eventsPerSecond;
    const bestIntake = best(intake).eventsPerSecond;
    const bestFullRun = best(full);
    const bestFull = bestFullRun.eventsPerSecond;
    const ratio = bestFull / bestRaw;
    const intakeRatio = bestIntake / bestRaw;
    const cores = availableParallelism();
    const fullCpuUs = bestFullRun.cpuUsPerEvent + (bestFullRun.brokerCpuUsPerEvent ?? 0);
    const ceiling = Math.round((cores * 1e6) / fullCpuUs);
    const ceilingRatio = ceiling / bestRaw;
    const cpu = (run: Rate) =>
      `${run.cpuUsPerEvent.toFixed(1)} µs CPU${run.brokerCpuUsPerEvent !== undefined ? ` + broker ${run.brokerCpuUsPerEvent.toFixed(1)} µs` : ''}`;
    const describe = (runs: Rate[]) =>
      runs.map((run) => `${run.eventsPerSecond.toLocaleString('en-US')}/s ${cpu(run)}`).join(', ');
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    log(`  raw kafkajs + JSON.parse  ${bestRaw.toLocaleString('en-US')} events/s (runs: ${describe(raw)})`);
    log(
      `  kafkajs + intake only     ${bestIntake.toLocaleString('en-US')} events/s = ${percent(intakeRatio)} of raw (runs: ${describe(intake)})`,
    );
    log(`  full pipeline (SQLite)    ${bestFull.toLocaleString('en-US')} events/s (runs: ${describe(full)})`);
    log(`  ratio                     ${percent(ratio)} of raw (target ≥ 70%)`);
    log(
      `  CPU ceiling               ${ceiling.toLocaleString('en-US')} events/s = ${percent(ceilingRatio)} of raw: ${cores} cores / ${fullCpuUs.toFixed(1)} µs of CPU per event${bestFullRun.brokerCpuUsPerEvent === undefined ? ' (broker CPU unknown: not counted)' : ' (pipeline + broker)'}, the most any threading of this work could reach here`,
    );
    const scaleOut = await twoInstances(kafka, brokers, lines);
    log(
      `  two instances (processes) ${scaleOut.eventsPerSecond.toLocaleString('en-US')} events/s = ${percent(scaleOut.eventsPerSecond / bestRaw)} of raw, ${scaleOut.cpuUsPerEvent.toFixed(1)} µs CPU per event (each half the keys on a 3-partition topic of its own: ${scaleOut.instances.map((run) => `${run.eventsPerSecond.toLocaleString('en-US')}/s`).join(', ')})`,
    );
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.disconnect();
    const lat = await latency(kafka, brokers, rate, seconds);
    log(
      `kafka latency at ${rate.toLocaleString('en-US')} events/s for ${seconds} s: produce → stored p50 ${lat.eventP50Ms} ms, p99 ${lat.eventP99Ms} ms (${lat.events.toLocaleString('en-US')} events); produce → alert stored p50 ${lat.alertP50Ms} ms, p99 ${lat.alertP99Ms} ms (${lat.alertChanges} alert changes; target p99 ≤ 1000 ms)`,
    );
    return {
      events: total,
      partitions: PARTITIONS,
      raw,
      intake,
      full,
      ratio,
      intakeRatio,
      cores,
      ceiling,
      ceilingRatio,
      scaleOut,
      latency: lat,
    };
  } finally {
    if (started?.started) await runNode(join(scripts, 'down.mjs'), [started.bootstrap]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      instance: { type: 'string' },
      events: { type: 'string' },
      keys: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.instance !== undefined) {
    // One instance of twoInstances(): the full pipeline over this topic, its Rate as the last line.
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
    const rate = await fullConsume(brokers, values.instance, Number(values.events));
    process.stdout.write(`${JSON.stringify(rate)}\n`);
    process.exit(0);
  }
  const result = await kafkaBench({
    ...(values.events ? { events: Number(values.events) } : {}),
    ...(values.keys ? { keys: Number(values.keys) } : {}),
    ...(values.rate ? { rate: Number(values.rate) } : {}),
    ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
    quick: values.quick,
  });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
