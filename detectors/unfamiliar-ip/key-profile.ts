import type { EnrichedEvent } from '../../src/events/types.js';
import { NO_POINT, packPoint } from './geo-point.js';
import type { LabelPool } from './label-pool.js';
import { CITY, COUNTRY, type Level, labelMatches, placeLabel, placeMask } from './places.js';

/**
 * What the detector learned about one key. Compact on purpose (the engine may hold 200k keys): one
 * flat array of places instead of an object per place, minutes instead of milliseconds, and minutes
 * counted from `t0` so they stay short in JSON. A key with a handful of events costs ~250 bytes.
 */
export interface UnfamiliarIpState {
  /** Events learned since the profile (re)started. */
  n: number;
  /** Epoch minute of the profile's first event; the other minutes of the state count from it. */
  t0: number;
  /** Minute (from `t0`) of the last forgetting sweep. */
  sw: number;
  /** 1 once the key has finished learning and taught its org what it knows. */
  s: number;
  /** Places, `STRIDE` slots each: level, label, count, first minute, last minute, packed point. */
  p: Array<string | number>;
}

/** Slots of one place in `UnfamiliarIpState.p`. */
export const STRIDE = 6;
export const AT_LEVEL = 0;
export const AT_LABEL = 1;
export const AT_COUNT = 2;
export const AT_FIRST = 3;
export const AT_LAST = 4;
export const AT_POINT = 5;

/** Index, in the scratch array `locatePlaces` fills (after one offset per level), of the event's `placeMask`. */
export const PRESENT = 5;
/** Length of the scratch array `locatePlaces` fills. */
export const LOCATE_SLOTS = 6;

/** Whether the located event carries a place at `level`. */
export function isPresent(found: Int32Array, level: Level): boolean {
  return ((found[PRESENT]! >> level) & 1) === 1;
}

/** The empty profile of a key never seen. */
export function newKeyProfile(): UnfamiliarIpState {
  return { n: 0, t0: 0, sw: 0, s: 0, p: [] };
}

/** A place holding at least this share of the key's history is one of its usual places. */
const USUAL_SHARE = 0.25;

/**
 * Whether a live place is still rare for the key: fewer than `familiarAfterEvents` events, first
 * met less than `familiarMinutes` ago, and a small share of the key's history (so the places a new
 * key starts from are not "rare").
 */
export function isRarePlace(
  state: UnfamiliarIpState,
  at: number,
  now: number,
  familiarAfterEvents: number,
  familiarMinutes: number,
): boolean {
  const count = state.p[at + AT_COUNT] as number;
  return (
    count < familiarAfterEvents &&
    now - (state.p[at + AT_FIRST] as number) < familiarMinutes &&
    count < state.n * USUAL_SHARE
  );
}

/** One place of a profile, decoded (for evidence and the API; not used on the per-event path). */
export interface PlaceEntry {
  level: Level;
  label: string;
  count: number;
  /** Epoch minutes. */
  first: number;
  last: number;
  point: number;
}

/**
 * Finds the event's places in one pass over the profile, stopping once all are found (most keys
 * meet their usual places in the first few entries). Writes into `out` the offset of the stored
 * place for each level (-1 when absent, whether live or not) and the event's `placeMask`.
 */
export function locatePlaces(places: Array<string | number>, event: EnrichedEvent, out: Int32Array): void {
  const mask = placeMask(event);
  out[0] = out[1] = out[2] = out[3] = out[4] = -1;
  out[PRESENT] = mask;
  let missing = mask;
  for (let at = 0; at < places.length; at += STRIDE) {
    const level = places[at + AT_LEVEL] as Level;
    if (((missing >> level) & 1) === 0 || !labelMatches(places[at + AT_LABEL] as string, event, level))
      continue;
    out[level] = at;
    missing &= ~(1 << level);
    if (missing === 0) return;
  }
}

/** Number of live places (seen at or after `cutoff`) of a level. */
export function liveCountAt(places: Array<string | number>, level: Level, cutoff: number): number {
  let count = 0;
  for (let at = 0; at < places.length; at += STRIDE) {
    if (places[at + AT_LEVEL] === level && (places[at + AT_LAST] as number) >= cutoff) count++;
  }
  return count;
}

/** Whether the place at `at` exists and was seen at or after `cutoff`. */
export function isLive(places: Array<string | number>, at: number, cutoff: number): boolean {
  return at >= 0 && (places[at + AT_LAST] as number) >= cutoff;
}

/**
 * Counts one event at each of its places: a live place gets +1, a forgotten one starts again,
 * a new one is added (evicting the least recently seen place of its level when the level is full).
 * `found` comes from `locatePlaces` for the same event.
 */
export function learnPlaces(
  state: UnfamiliarIpState,
  event: EnrichedEvent,
  found: Int32Array,
  now: number,
  cutoff: number,
  limits: readonly number[],
  pool: LabelPool,
): void {
  const places = state.p;

  let added: Array<string | number> | undefined;
  for (let level = COUNTRY as Level; level >= 0; level--) {
    if (!isPresent(found, level)) continue;
    const at = found[level]!;
    if (at >= 0) {
      if ((places[at + AT_LAST] as number) < cutoff) {
        places[at + AT_COUNT] = 1;
        places[at + AT_FIRST] = now;
        places[at + AT_LAST] = now;
        places[at + AT_POINT] = pointAt(event, level);
        continue;
      }
      places[at + AT_COUNT] = (places[at + AT_COUNT] as number) + 1;
      if (now > (places[at + AT_LAST] as number)) places[at + AT_LAST] = now;
      if (now < (places[at + AT_FIRST] as number)) places[at + AT_FIRST] = now;
      if (places[at + AT_POINT] === NO_POINT && level >= CITY) places[at + AT_POINT] = pointAt(event, level);
      continue;
    }
    const label = level >= CITY ? pool.share(placeLabel(event, level)) : placeLabel(event, level);
    const entry = [level, label, 1, now, now, pointAt(event, level)];
    const victim = evictionVictim(places, level, limits[level]!);
    if (victim >= 0) {
      for (let slot = 0; slot < STRIDE; slot++) places[victim + slot] = entry[slot]!;
    } else {
      added ??= [];
      added.push(...entry);
    }
  }
  // One exact-size array instead of growing by push: most keys never add a place after the first event.
  if (added) state.p = places.concat(added);
}

/** The packed point a place of `level` stores: coordinates for cities, regions and countries only. */
function pointAt(event: EnrichedEvent, level: Level): number {
  return level < CITY ? NO_POINT : packPoint(event.geo.lat, event.geo.lon);
}

/** Offset of the least recently seen place of a full level, or -1 when the level has room. */
function evictionVictim(places: Array<string | number>, level: Level, limit: number): number {
  let count = 0;
  let victim = -1;
  let oldest = Number.POSITIVE_INFINITY;
  for (let at = 0; at < places.length; at += STRIDE) {
    if (places[at + AT_LEVEL] !== level) continue;
    count++;
    const last = places[at + AT_LAST] as number;
    if (last < oldest) {
      oldest = last;
      victim = at;
    }
  }
  return count >= limit ? victim : -1;
}

/** Drops places last seen before `cutoff`; returns whether any was dropped. */
export function forgetPlaces(state: UnfamiliarIpState, cutoff: number): boolean {
  const places = state.p;
  let keep = 0;
  for (let at = 0; at < places.length; at += STRIDE) if ((places[at + AT_LAST] as number) >= cutoff) keep++;
  if (keep * STRIDE === places.length) return false;
  const kept: Array<string | number> = [];
  for (let at = 0; at < places.length; at += STRIDE) {
    if ((places[at + AT_LAST] as number) >= cutoff) kept.push(...places.slice(at, at + STRIDE));
  }
  state.p = kept;
  return true;
}

/** The live places of one level, most used first, with epoch-minute times. */
export function placesAt(state: UnfamiliarIpState, level: Level, cutoff: number): PlaceEntry[] {
  const places = state.p;
  const entries: PlaceEntry[] = [];
  for (let at = 0; at < places.length; at += STRIDE) {
    if (places[at + AT_LEVEL] !== level || (places[at + AT_LAST] as number) < cutoff) continue;
    entries.push(decodePlace(state, at));
  }
  return entries.sort((a, b) => b.count - a.count || b.last - a.last || (a.label < b.label ? -1 : 1));
}

/** The place at offset `at`, with epoch-minute times. */
export function decodePlace(state: UnfamiliarIpState, at: number): PlaceEntry {
  const places = state.p;
  return {
    level: places[at + AT_LEVEL] as Level,
    label: places[at + AT_LABEL] as string,
    count: places[at + AT_COUNT] as number,
    first: state.t0 + (places[at + AT_FIRST] as number),
    last: state.t0 + (places[at + AT_LAST] as number),
    point: places[at + AT_POINT] as number,
  };
}
