import { ipv4ToInt } from '../../src/enrich/network.js';
import type { EnrichedEvent } from '../../src/events/types.js';
import { NO_POINT, packPoint } from './geo-point.js';
import type { LabelPool } from './label-pool.js';
import {
  CITY,
  COUNTRY,
  HOST,
  type Level,
  labelMatches,
  labelText,
  NETWORK,
  placeLabel,
  placeMask,
} from './places.js';

/**
 * What the detector learned about one key, in one flat array: the engine may hold 200k keys, and
 * every object or array costs V8 a header of 24 to 48 bytes, so a key with a handful of events is
 * one array of small integers and shared strings (~270 bytes of heap).
 *
 * - Slots `N`, `T0`, `SWEPT`, `SETTLED` (below) describe the profile. Minutes count from `T0`, so
 *   they stay short in JSON.
 * - Then the places, each `[tag, label, first minute, last minute]`, plus a packed point for
 *   cities, regions and countries (`strideOf`). `tag` = count × 8 + level: the count and the level
 *   share one number, which saves a fifth of the array.
 * - Labels of IPv4 places are numbers: an address as its signed 32-bit value (`address | 0`, a
 *   small integer for V8 where a uint32 above 2³¹ would be a boxed number), a network as its 24-bit
 *   prefix. Other labels are text; cities, regions and countries are shared between keys.
 */
export type UnfamiliarIpState = Array<string | number>;

/** Events learned since the profile (re)started. */
export const N = 0;
/** Epoch minute of the profile's first event; the other minutes of the state count from it. */
export const T0 = 1;
/** Minute (from `T0`) of the last forgetting sweep. */
export const SWEPT = 2;
/** 1 once the key has finished learning and taught its org what it knows. */
export const SETTLED = 3;
/** Offset of the first place. */
export const FIRST_PLACE = 4;

/** Events learned since the profile (re)started. */
export function historyEvents(state: UnfamiliarIpState): number {
  return state[N] as number;
}

/** Epoch minute the profile (re)started at. */
export function profileStart(state: UnfamiliarIpState): number {
  return state[T0] as number;
}

/** Slots of one place, from its offset. */
export const AT_TAG = 0;
export const AT_LABEL = 1;
export const AT_FIRST = 2;
export const AT_LAST = 3;
/** Cities, regions and countries only. */
export const AT_POINT = 4;

/** `tag` = count × LEVEL_SPAN + level. */
const LEVEL_SPAN = 8;

/** Slots of a place of `level`: addresses and networks have no point. */
export function strideOf(level: Level): number {
  return level >= CITY ? 5 : 4;
}

/** Level of the place at offset `at`. */
export function levelAt(state: UnfamiliarIpState, at: number): Level {
  return ((state[at + AT_TAG] as number) % LEVEL_SPAN) as Level;
}

/** Events counted at the place at offset `at`. */
export function countAt(state: UnfamiliarIpState, at: number): number {
  return Math.floor((state[at + AT_TAG] as number) / LEVEL_SPAN);
}

/** Offset of the place after the one at `at`. */
export function nextPlace(state: UnfamiliarIpState, at: number): number {
  return at + strideOf(levelAt(state, at));
}

/** Index, in the scratch array `locatePlaces` fills (after one offset per level), of the event's `placeMask`. */
export const PRESENT = 5;
/** Index of the event's IPv4 address (signed 32-bit) in that scratch array, when `IS_IPV4` is 1. */
const ADDRESS = 6;
const IS_IPV4 = 7;
/** Length of the scratch array `locatePlaces` fills. */
export const LOCATE_SLOTS = 8;

/** Whether the located event carries a place at `level`. */
export function isPresent(found: Int32Array, level: Level): boolean {
  return ((found[PRESENT]! >> level) & 1) === 1;
}

/** The empty profile of a key never seen. */
export function newKeyProfile(): UnfamiliarIpState {
  return [0, 0, 0, 0];
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
  const count = countAt(state, at);
  return (
    count < familiarAfterEvents &&
    now - (state[at + AT_FIRST] as number) < familiarMinutes &&
    count < historyEvents(state) * USUAL_SHARE
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
 * place for each level (-1 when absent, whether live or not), the event's `placeMask`, and its
 * IPv4 address as a number (compared with stored numbers instead of text).
 */
export function locatePlaces(state: UnfamiliarIpState, event: EnrichedEvent, out: Int32Array): void {
  const mask = placeMask(event);
  out[0] = out[1] = out[2] = out[3] = out[4] = -1;
  out[PRESENT] = mask;
  const address = event.ipVersion === 4 ? ipv4ToInt(event.ipNormalized) : null;
  out[IS_IPV4] = address === null ? 0 : 1;
  out[ADDRESS] = address ?? 0;
  let missing = mask;
  for (let at = FIRST_PLACE; at < state.length; ) {
    const level = levelAt(state, at);
    if (((missing >> level) & 1) === 1 && isEventPlace(state[at + AT_LABEL]!, event, level, out)) {
      out[level] = at;
      missing &= ~(1 << level);
      if (missing === 0) return;
    }
    at += strideOf(level);
  }
}

/** Whether a stored label names the event's place at `level` (`found` filled by `locatePlaces`). */
function isEventPlace(
  label: string | number,
  event: EnrichedEvent,
  level: Level,
  found: Int32Array,
): boolean {
  if (level > NETWORK || found[IS_IPV4] === 0) return labelMatches(label as string, event, level);
  return label === storedAddressLabel(level, found);
}

/** The number an IPv4 address (HOST) or network (NETWORK) is stored under. */
function storedAddressLabel(level: Level, found: Int32Array): number {
  const address = found[ADDRESS]!; // Int32Array: already the signed 32-bit value
  return level === HOST ? address : address >>> 8;
}

/** The label the event's place at `level` is stored under. */
function storedLabel(
  event: EnrichedEvent,
  level: Level,
  found: Int32Array,
  pool: LabelPool,
): string | number {
  if (level <= NETWORK) {
    return found[IS_IPV4] === 1 ? storedAddressLabel(level, found) : placeLabel(event, level);
  }
  return pool.share(placeLabel(event, level));
}

/** Number of live places (seen at or after `cutoff`) of a level. */
export function liveCountAt(state: UnfamiliarIpState, level: Level, cutoff: number): number {
  let count = 0;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if (levelAt(state, at) === level && (state[at + AT_LAST] as number) >= cutoff) count++;
  }
  return count;
}

/** Whether the place at `at` exists and was seen at or after `cutoff`. */
export function isLive(state: UnfamiliarIpState, at: number, cutoff: number): boolean {
  return at >= 0 && (state[at + AT_LAST] as number) >= cutoff;
}

/**
 * Counts one event at each of its places: a live place gets +1, a forgotten one starts again,
 * a new one is added (evicting the least recently seen place of its level when the level is full).
 * `found` comes from `locatePlaces` for the same event. Returns the profile, a new array when a
 * place was added.
 */
export function learnPlaces(
  state: UnfamiliarIpState,
  event: EnrichedEvent,
  found: Int32Array,
  now: number,
  cutoff: number,
  limits: readonly number[],
  pool: LabelPool,
): UnfamiliarIpState {
  let added: Array<string | number> | undefined;
  for (let level = COUNTRY as Level; level >= HOST; level--) {
    if (!isPresent(found, level)) continue;
    const at = found[level]!;
    if (at >= 0) {
      if ((state[at + AT_LAST] as number) < cutoff) {
        // A forgotten place starts again, in its old slot.
        writeNewPlace(state, at, level, state[at + AT_LABEL]!, event, now);
        continue;
      }
      state[at + AT_TAG] = (state[at + AT_TAG] as number) + LEVEL_SPAN;
      if (now > (state[at + AT_LAST] as number)) state[at + AT_LAST] = now;
      if (now < (state[at + AT_FIRST] as number)) state[at + AT_FIRST] = now;
      if (level >= CITY && state[at + AT_POINT] === NO_POINT) {
        state[at + AT_POINT] = packPoint(event.geo.lat, event.geo.lon);
      }
      continue;
    }
    const label = storedLabel(event, level, found, pool);
    const victim = evictionVictim(state, level, limits[level]!);
    if (victim >= 0) {
      writeNewPlace(state, victim, level, label, event, now);
    } else {
      added ??= [];
      writeNewPlace(added, added.length, level, label, event, now);
    }
  }
  // One exact-size array instead of growing in place: most keys never add a place after the first event.
  return added ? state.concat(added) : state;
}

/** Writes a place met for the first time (count 1) at offset `at` of `target`. */
function writeNewPlace(
  target: Array<string | number>,
  at: number,
  level: Level,
  label: string | number,
  event: EnrichedEvent,
  now: number,
): void {
  target[at + AT_TAG] = LEVEL_SPAN + level;
  target[at + AT_LABEL] = label;
  target[at + AT_FIRST] = now;
  target[at + AT_LAST] = now;
  if (level >= CITY) target[at + AT_POINT] = packPoint(event.geo.lat, event.geo.lon);
}

/** Offset of the least recently seen place of a full level, or -1 when the level has room. */
function evictionVictim(state: UnfamiliarIpState, level: Level, limit: number): number {
  let count = 0;
  let victim = -1;
  let oldest = Number.POSITIVE_INFINITY;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if (levelAt(state, at) !== level) continue;
    count++;
    const last = state[at + AT_LAST] as number;
    if (last < oldest) {
      oldest = last;
      victim = at;
    }
  }
  return count >= limit ? victim : -1;
}

/** Drops places last seen before `cutoff`: the same profile when none was, else a new array. */
export function forgetPlaces(state: UnfamiliarIpState, cutoff: number): UnfamiliarIpState {
  let stale = false;
  for (let at = FIRST_PLACE; at < state.length && !stale; at = nextPlace(state, at)) {
    stale = (state[at + AT_LAST] as number) < cutoff;
  }
  if (!stale) return state;
  const kept = state.slice(0, FIRST_PLACE);
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if ((state[at + AT_LAST] as number) >= cutoff) kept.push(...state.slice(at, nextPlace(state, at)));
  }
  return kept;
}

/** Whether the profile holds no place. */
export function hasNoPlaces(state: UnfamiliarIpState): boolean {
  return state.length <= FIRST_PLACE;
}

/** The live places of one level, most used first, with epoch-minute times. */
export function placesAt(state: UnfamiliarIpState, level: Level, cutoff: number): PlaceEntry[] {
  const entries: PlaceEntry[] = [];
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if (levelAt(state, at) !== level || (state[at + AT_LAST] as number) < cutoff) continue;
    entries.push(decodePlace(state, at));
  }
  return entries.sort((a, b) => b.count - a.count || b.last - a.last || (a.label < b.label ? -1 : 1));
}

/** The place at offset `at`, with its label as text and epoch-minute times. */
export function decodePlace(state: UnfamiliarIpState, at: number): PlaceEntry {
  const level = levelAt(state, at);
  const t0 = profileStart(state);
  return {
    level,
    label: labelText(level, state[at + AT_LABEL]!),
    count: countAt(state, at),
    first: t0 + (state[at + AT_FIRST] as number),
    last: t0 + (state[at + AT_LAST] as number),
    point: level >= CITY ? (state[at + AT_POINT] as number) : NO_POINT,
  };
}
