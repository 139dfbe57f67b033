import type { EventSink } from './event-sink.js';
import type { LocalTime } from './local-time.js';
import type { Network } from './places.js';
import type { Random } from './random.js';
import type { Shape } from './shapes.js';
import { type Endpoint, endpointPath } from './webex-api.js';

const SLOT_MS = 15 * 60_000;
const WEEK_MS = 7 * 86_400_000;

/** An address a stream calls from, from `from` on. */
export interface SourceHost {
  address: string;
  from: number;
}

/** A network a stream uses during [from, until), with the hosts it has brought into use. */
export interface Source {
  network: Network;
  hosts: SourceHost[];
  from: number;
  until: number;
  weight: number;
}

/** A stretch of time in which a key's traffic is scaled (busier days, bytes-only exfiltration). */
export interface TimeFactor {
  from: number;
  until: number;
  factor: number;
  /** Event times of the first and last event the factor touched, filled during generation. */
  touched?: { first: number; last: number; count: number };
}

/**
 * One homogeneous flow of calls of a key: the office's NAT, one home worker, one country of a
 * global app, a cloud deployment. Its rate follows `shape` in `timezone`.
 */
export interface Stream {
  keyId: string;
  orgId: string;
  timezone: string;
  shape: Shape;
  /** Calls per hour when the shape is 1 (before growth and time factors). */
  perHour: number;
  from: number;
  until: number;
  sources: Source[];
  userAgents: readonly string[];
  endpoints: readonly Endpoint[];
  endpointWeights: readonly number[];
  /** Ids a key keeps coming back to (its rooms), by Webex resource type. */
  pooledIds: Record<string, readonly string[]>;
  /** Share of calls that fail with a 4xx in everyday use. */
  errorRate: number;
  /** Multiplies every response size (batch jobs fetch big payloads). */
  bytesScale: number;
}

/** Time factors and growth shared by every stream of one key. */
export interface KeyModifiers {
  rate: TimeFactor[];
  bytes: TimeFactor[];
  /** Weekly growth of the call rate, e.g. 0.01 for +1 %/week. */
  growthPerWeek: number;
  /** Instant from which growth is counted. */
  epoch: number;
}

const EVERYDAY_ERRORS: readonly number[] = [404, 400, 409, 429, 403];
const EVERYDAY_ERROR_WEIGHTS: readonly number[] = [0.55, 0.15, 0.08, 0.17, 0.05];

/**
 * Emits a stream's everyday calls: a Poisson count per 15-minute slot from the shape in local
 * time (so daylight-saving changes move the traffic in UTC), spread uniformly in the slot.
 */
export function generateStream(
  stream: Stream,
  modifiers: KeyModifiers,
  rng: Random,
  localTime: LocalTime,
  sink: EventSink,
): void {
  const firstSlot = Math.floor(stream.from / SLOT_MS) * SLOT_MS;
  for (let slot = firstSlot; slot < stream.until; slot += SLOT_MS) {
    const level = stream.shape(localTime.clock(stream.timezone, slot + SLOT_MS / 2));
    if (level <= 0) continue;
    const growth = (1 + modifiers.growthPerWeek) ** ((slot - modifiers.epoch) / WEEK_MS);
    const mean = (stream.perHour / 4) * level * growth * factorAt(modifiers.rate, slot + SLOT_MS / 2);
    const count = rng.poisson(mean);
    for (let i = 0; i < count; i++) {
      const time = slot + rng.next() * SLOT_MS;
      if (time < stream.from || time >= stream.until) continue;
      const address = pickAddress(stream.sources, time, rng);
      if (address === undefined) continue;
      emitCall(stream, modifiers, rng, sink, time, address);
    }
  }
}

function emitCall(
  stream: Stream,
  modifiers: KeyModifiers,
  rng: Random,
  sink: EventSink,
  time: number,
  address: string,
): void {
  const target = rng.weighted(stream.endpoints, stream.endpointWeights);
  let status = target.okStatus;
  let bytesOut: number;
  if (rng.chance(stream.errorRate)) {
    status = rng.weighted(EVERYDAY_ERRORS, EVERYDAY_ERROR_WEIGHTS);
    bytesOut = rng.int(120, 420);
  } else if (rng.chance(0.0008)) {
    status = 503;
    bytesOut = rng.int(80, 200);
  } else {
    bytesOut = target.bytesOut === 0 ? 0 : rng.logNormal(target.bytesOut * stream.bytesScale, 0.45);
  }
  const bytesFactor = factorAt(modifiers.bytes, time, true);
  sink.emit(time, {
    ts: '',
    keyId: stream.keyId,
    orgId: stream.orgId,
    ip: address,
    method: target.method,
    path: endpointPath(target, rng, stream.pooledIds),
    status,
    bytesOut: Math.round(bytesOut * bytesFactor),
    bytesIn: target.bytesIn === 0 ? 0 : Math.round(rng.logNormal(target.bytesIn, 0.4)),
    userAgent: rng.pick(stream.userAgents),
    requestId: '',
  });
}

/** Product of the factors in force at `time`; optionally records which events they touched. */
function factorAt(factors: TimeFactor[], time: number, record = false): number {
  let product = 1;
  for (const factor of factors) {
    if (time < factor.from || time >= factor.until) continue;
    product *= factor.factor;
    if (record) {
      const touched = factor.touched;
      if (!touched) factor.touched = { first: time, last: time, count: 1 };
      else {
        touched.first = Math.min(touched.first, time);
        touched.last = Math.max(touched.last, time);
        touched.count++;
      }
    }
  }
  return product;
}

function pickAddress(sources: Source[], time: number, rng: Random): string | undefined {
  let total = 0;
  for (const source of sources) if (time >= source.from && time < source.until) total += source.weight;
  if (total <= 0) return undefined;
  let target = rng.next() * total;
  for (const source of sources) {
    if (time < source.from || time >= source.until) continue;
    target -= source.weight;
    if (target >= 0) continue;
    let live = 0;
    for (const host of source.hosts) if (host.from <= time) live++;
    if (live === 0) return source.hosts[0]?.address;
    let pick = Math.floor(rng.next() * live);
    for (const host of source.hosts) {
      if (host.from > time) continue;
      if (pick-- === 0) return host.address;
    }
  }
  return undefined;
}
