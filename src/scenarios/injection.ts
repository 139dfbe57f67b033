import { KeywatchError } from '../errors.js';
import type { EventSink } from './event-sink.js';
import type { KeyPlan } from './key-plans.js';
import type { LocalTime } from './local-time.js';
import type { Places } from './places.js';
import type { Random } from './random.js';
import type { Stream } from './traffic.js';
import { type Endpoint, endpointPath } from './webex-api.js';

/** What incident and benign-change injectors share. */
export interface InjectionContext {
  rng: Random;
  places: Places;
  localTime: LocalTime;
  sink: EventSink;
  /** Labelled windows start no earlier than this (after the learning weeks)… */
  earliest: number;
  /** …and no later than this (room left before the scenario ends). */
  latest: number;
  end: number;
  /** Countries of the everyday traffic of each org (a "new country" is new to the whole org). */
  orgCountries: Map<string, Set<string>>;
  /** Work to do once everyday traffic exists (windows that follow the key's own events). */
  afterGeneration: Array<() => void>;
}

/** One call made by someone other than the key's everyday clients. */
export interface InjectedCall {
  time: number;
  ip: string;
  endpoint: Endpoint;
  status: number;
  bytesOut: number;
  bytesIn?: number;
  userAgent: string;
  /** Attackers guess ids: the path gets a fresh id instead of one of the key's own rooms and people. */
  guessedId?: boolean;
}

/** Writes injected calls for a key and returns the event times of the first and last one. */
export function emitCalls(
  plan: KeyPlan,
  calls: InjectedCall[],
  ctx: InjectionContext,
): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const call of calls) {
    first = Math.min(first, call.time);
    last = Math.max(last, call.time);
    ctx.sink.emit(call.time, {
      ts: '',
      keyId: plan.profile.keyId,
      orgId: plan.profile.orgId,
      ip: call.ip,
      method: call.endpoint.method,
      path: endpointPath(call.endpoint, ctx.rng, call.guessedId ? undefined : plan.main.pooledIds),
      status: call.status,
      bytesOut: Math.max(0, Math.round(call.bytesOut)),
      bytesIn: Math.max(0, Math.round(call.bytesIn ?? call.endpoint.bytesIn)),
      userAgent: call.userAgent,
      requestId: '',
    });
  }
  return { first: Math.round(first), last: Math.round(last) };
}

/** `count` sorted instants in [from, to], the first exactly at `from`. */
export function spreadTimes(rng: Random, count: number, from: number, to: number): number[] {
  const times = [from];
  for (let i = 1; i < count; i++) times.push(rng.float(from, to));
  return times.sort((a, b) => a - b);
}

/** A uniformly random instant in the injection range, leaving `duration` before `latest`. */
export function randomInstant(ctx: InjectionContext, duration = 0): number {
  return ctx.rng.float(ctx.earliest, Math.max(ctx.earliest, ctx.latest - duration));
}

/** A random instant at which the key's main stream is at least `minLevel` of its nominal rate. */
export function activeInstant(plan: KeyPlan, ctx: InjectionContext, duration = 0, minLevel = 0.6): number {
  const stream = plan.main;
  for (let attempt = 0; attempt < 5000; attempt++) {
    const time = randomInstant(ctx, duration);
    if (time < stream.from) continue;
    if (
      levelAt(stream, ctx.localTime, time) >= minLevel &&
      levelAt(stream, ctx.localTime, time + duration) >= minLevel
    ) {
      return time;
    }
  }
  throw new KeywatchError(
    'KW_ERR_INTERNAL',
    `Key ${plan.profile.keyId} has no active time in the incident range`,
  );
}

function levelAt(stream: Stream, localTime: LocalTime, time: number): number {
  return stream.shape(localTime.clock(stream.timezone, time));
}

/** A random local date (days since epoch) in the injection range whose weekday passes `accept`. */
export function localDay(
  timezone: string,
  ctx: InjectionContext,
  accept: (weekday: number) => boolean,
  spanDays = 1,
): number {
  const first = ctx.localTime.clock(timezone, ctx.earliest).day + 1;
  const last = Math.max(first, ctx.localTime.clock(timezone, ctx.latest).day - spanDays);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const day = ctx.rng.int(first, last);
    if (accept((day + 4) % 7)) return day;
  }
  // Only a range shorter than a week can miss a weekday: the scenario is too short for its incidents.
  const date = (time: number) => new Date(time).toISOString().slice(0, 10);
  throw new KeywatchError(
    'KW_ERR_USAGE',
    `The scenario is too short for its incidents: no day between ${date(ctx.earliest)} and ` +
      `${date(ctx.latest)} has the weekday one of them needs (give it more days)`,
  );
}

/** A foreign city whose country the key's org has never used (a truly new country). */
export function newCountryCity(plan: KeyPlan, ctx: InjectionContext): string {
  const known = ctx.orgCountries.get(plan.profile.orgId) ?? new Set<string>();
  const candidates = ctx.places.foreignCities().filter((spec) => !known.has(spec.country));
  if (candidates.length === 0) {
    throw new KeywatchError(
      'KW_ERR_INTERNAL',
      `Org ${plan.profile.orgId} already uses every catalogued country`,
    );
  }
  return ctx.rng.pick(candidates).id;
}

/** A catalogued city of the key's home country other than its home city, if there is one. */
export function domesticOtherCity(plan: KeyPlan, ctx: InjectionContext): string | undefined {
  const others = ctx.places.otherCitiesInCountry(plan.profile.home.id);
  return others.length > 0 ? ctx.rng.pick(others).id : undefined;
}

/** A call to one of the key's own endpoints, as its everyday clients make it. */
export function familiarCall(plan: KeyPlan, rng: Random): Endpoint {
  return rng.weighted(plan.main.endpoints, plan.main.endpointWeights);
}

/** The address the key uses most: the first host of its main stream's first network. */
export function usualAddress(plan: KeyPlan, time: number): string {
  const source =
    plan.main.sources.find((candidate) => time >= candidate.from && time < candidate.until) ??
    plan.main.sources[0];
  const host = source?.hosts.find((candidate) => candidate.from <= time) ?? source?.hosts[0];
  if (!host) throw new KeywatchError('KW_ERR_INTERNAL', `Key ${plan.profile.keyId} has no address`);
  return host.address;
}
