import type { EnrichedEvent } from '../../src/events/types.js';
import { distanceKm, NO_POINT, packPoint } from './geo-point.js';
import {
  AT_LAST,
  AT_POINT,
  FIRST_PLACE,
  historyEvents,
  isLive,
  isPresent,
  isRarePlace,
  levelAt,
  liveCountAt,
  nextPlace,
  type UnfamiliarIpState,
} from './key-profile.js';
import { orgKnows, orgPlacesAt, orgTable, type UnfamiliarIpOrgState } from './org-profile.js';
import { CITY, COUNTRY, HOST, type Level, NETWORK, placeLabel } from './places.js';
import type { PreparedUnfamiliarIp } from './prepare.js';

/** A place met again this soon is rarely a new incident: report it at this fraction of its novelty. */
const REPEAT_FACTOR = 0.3;
/** A learning key judged against nothing but its own short history never pages on its own. */
const LEARNING_CAP = 0.45;

/** How an event was judged; computed here, turned into words by `explainFinding`. */
export interface Judgement {
  /** The broadest level at which the place is new (or, for a repeat, still rare). */
  level: Level;
  /** The place was met recently and is still rare, rather than new. */
  repeat: boolean;
  /** The key is still learning and was judged against its organisation's profile. */
  byOrg: boolean;
  score: number;
  base: number;
  distanceBonus: number;
  discount: number;
  learningFactor: number;
  distanceKm: number | null;
  /** Offset of the repeated place in the key's profile (repeat only, else -1). */
  placeAt: number;
}

/** Where the key (and, while it learns, its org) stands when an event arrives. */
export interface JudgeInput {
  event: EnrichedEvent;
  state: UnfamiliarIpState;
  /** Filled by `locatePlaces` for this event. */
  found: Int32Array;
  /** Event minute, from the profile's `t0`. */
  now: number;
  cutoff: number;
  /** Set when the key is learning and its org has a profile: judge against both. */
  org: UnfamiliarIpOrgState | undefined;
  /** Forgetting cutoff of the org profile, in epoch minutes. */
  orgCutoff: number;
  learning: boolean;
}

/**
 * Grades the event: the broadest of its places (country, region, city, network, address) that the
 * key does not know is its novelty; a broader place met recently but still rare makes it a repeat
 * when that scores higher (a new address in a country first met an hour ago is about the country).
 * The score is the grade weight plus a distance bonus, discounted by how many places of that level
 * the key already knows, and, for a learning key without an org profile, scaled down. `undefined`
 * when nothing is new or rare.
 */
export function judgeEvent(input: JudgeInput, config: PreparedUnfamiliarIp): Judgement | undefined {
  const fresh = newLevel(input);
  const rareAt = rarePlace(input, config, fresh ?? -1);
  const asNew = fresh === undefined ? undefined : scoreLevel(input, config, fresh, -1);
  const asRepeat = rareAt < 0 ? undefined : scoreLevel(input, config, levelAt(input.state, rareAt), rareAt);
  if (asNew === undefined || (asRepeat !== undefined && asRepeat.score > asNew.score)) return asRepeat;
  return asNew;
}

/** Scores the event as new at `level`, or as a repeat of the rare place at offset `placeAt`. */
function scoreLevel(
  input: JudgeInput,
  config: PreparedUnfamiliarIp,
  level: Level,
  placeAt: number,
): Judgement {
  const { event, state, cutoff, org } = input;
  const repeat = placeAt >= 0;
  const base = config.weights[level]!;
  let distance: number | null = null;
  let distanceBonus = 0;
  if (level >= CITY && !repeat) {
    distance = nearestKnownKm(state, cutoff, packPoint(event.geo.lat, event.geo.lon), org, input.orgCutoff);
    if (distance !== null) {
      const fullKm = level === COUNTRY ? config.distanceFullKmAbroad : config.distanceFullKm;
      distanceBonus = config.distanceBonus * Math.min(1, distance / fullKm);
    }
  }
  let known = liveCountAt(state, level, cutoff);
  if (org && level !== HOST) known = Math.max(known, orgPlacesAt(org, level, input.orgCutoff).length);
  const discount = 1 / (1 + config.noveltyDiscount * Math.max(0, known - 1));
  let score = (base + distanceBonus) * discount;
  if (repeat) score = Math.min(config.repeatMaxScore, score * REPEAT_FACTOR);

  let learningFactor = 1;
  if (input.learning && !org) {
    learningFactor = 0.25 + 0.5 * learningProgress(historyEvents(state), input.now, config);
    score = Math.min(LEARNING_CAP, score * learningFactor);
  }
  return {
    level,
    repeat,
    byOrg: org !== undefined,
    score: Math.round(score * 1000) / 1000,
    base,
    distanceBonus,
    discount,
    learningFactor,
    distanceKm: distance,
    placeAt,
  };
}

/**
 * The common case, checked without allocating: every place of the event is known, live and
 * familiar to the key, so there is nothing to judge.
 */
export function isRoutine(
  state: UnfamiliarIpState,
  found: Int32Array,
  now: number,
  cutoff: number,
  config: PreparedUnfamiliarIp,
): boolean {
  for (let level = HOST as Level; level <= COUNTRY; level++) {
    if (!isPresent(found, level)) continue;
    const at = found[level]!;
    if (!isLive(state, at, cutoff)) return false;
    if (isRarePlace(state, at, now, config.familiarAfterEvents, config.familiarMinutes)) return false;
  }
  return true;
}

/** How far a key is through learning, in [0, 1]: the lesser of its event and time progress. */
export function learningProgress(events: number, minutes: number, config: PreparedUnfamiliarIp): number {
  const byEvents = config.learningEvents > 0 ? events / config.learningEvents : 1;
  const byTime = config.learningMinutes > 0 ? minutes / config.learningMinutes : 1;
  return Math.max(0, Math.min(1, byEvents, byTime));
}

/** The broadest level at which the event's place is unknown (to the key, and to the org if given). */
function newLevel(input: JudgeInput): Level | undefined {
  const { event, state, found, cutoff, org } = input;
  for (let level = COUNTRY as Level; level >= HOST; level--) {
    if (!isPresent(found, level)) continue;
    // A non-public address has no meaningful network of its own: only its address counts.
    if (level === NETWORK && event.ipKind !== 'public') continue;
    if (isLive(state, found[level]!, cutoff)) continue;
    if (org && level !== HOST) {
      if (orgKnows(org, level, placeLabel(event, level), input.orgCutoff)) continue;
      // Neither the new key nor its org knows any place of this level (say, an org seen only
      // from private addresses): there is no baseline to be new against.
      if (liveCountAt(state, level, cutoff) === 0 && orgPlacesAt(org, level, input.orgCutoff).length === 0)
        continue;
    }
    return level;
  }
  return undefined;
}

/**
 * Offset of the broadest of the event's known places above level `above` that is still rare (few
 * events, met recently, a small share of the key's history), or -1.
 */
function rarePlace(input: JudgeInput, config: PreparedUnfamiliarIp, above: number): number {
  const { state, found, now, cutoff } = input;
  for (let level = COUNTRY as Level; level > above; level--) {
    const at = found[level]!;
    if (
      isLive(state, at, cutoff) &&
      isRarePlace(state, at, now, config.familiarAfterEvents, config.familiarMinutes)
    ) {
      return at;
    }
  }
  return -1;
}

/** Distance from the event to the nearest live city, region or country of the key (or org), if known. */
function nearestKnownKm(
  state: UnfamiliarIpState,
  cutoff: number,
  point: number,
  org: UnfamiliarIpOrgState | undefined,
  orgCutoff: number,
): number | null {
  if (point === NO_POINT) return null;
  let nearest = Number.POSITIVE_INFINITY;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if (levelAt(state, at) < CITY || (state[at + AT_LAST] as number) < cutoff) continue;
    const known = state[at + AT_POINT] as number;
    if (known !== NO_POINT) nearest = Math.min(nearest, distanceKm(point, known));
  }
  if (org) {
    for (const level of [CITY, COUNTRY] as const) {
      for (const entry of Object.values(orgTable(org, level)!)) {
        if (entry[1]! >= orgCutoff && entry[2]! !== NO_POINT)
          nearest = Math.min(nearest, distanceKm(point, entry[2]!));
      }
    }
  }
  return Number.isFinite(nearest) ? nearest : null;
}
