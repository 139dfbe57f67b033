import type { EnrichedEvent } from '../../src/events/types.js';
import type { DetectorContext, DetectorDefinition, Evaluation, Finding } from '../types.js';
import { UnfamiliarIpConfig } from './config.js';
import { explainFinding } from './explain.js';
import { NO_POINT } from './geo-point.js';
import { isRoutine, judgeEvent } from './judge.js';
import {
  AT_LABEL,
  AT_LAST,
  AT_POINT,
  FIRST_PLACE,
  forgetPlaces,
  hasNoPlaces,
  historyEvents,
  isLive,
  isRarePlace,
  learnPlaces,
  levelAt,
  locatePlaces,
  N,
  newKeyProfile,
  nextPlace,
  profileStart,
  SETTLED,
  SWEPT,
  T0,
  type UnfamiliarIpState,
} from './key-profile.js';
import {
  forgetOrgPlaces,
  newOrgProfile,
  orgHasProfile,
  teachOrg,
  type UnfamiliarIpOrgState,
} from './org-profile.js';
import { CITY, COUNTRY, type Level, labelText, NETWORK } from './places.js';
import { type PreparedUnfamiliarIp, prepareUnfamiliarIp } from './prepare.js';
import { describeProfile } from './profile-view.js';

export type { UnfamiliarIpConfig } from './config.js';
export type { UnfamiliarIpState } from './key-profile.js';
export type { UnfamiliarIpOrgState } from './org-profile.js';
export type { PreparedUnfamiliarIp } from './prepare.js';

const DAY_MINUTES = 1440;
/** Forgotten places are dropped from memory at most once per day of event time. */
const SWEEP_EVERY_MINUTES = DAY_MINUTES;

/**
 * `unfamiliar-ip`: learns, per key, the addresses, networks, cities, regions and countries it is
 * used from, and reports a use from somewhere new, graded by how new it is (a new address in a
 * known network ≪ new network ≪ new city ≪ new region ≪ new country), raised by distance from
 * everything known, discounted for keys that roam, damped while a key is still learning, and
 * judged against its organisation's profile when the key itself is new.
 *
 * @example
 * const prepared = unfamiliarIp.prepare!(Value.Default(unfamiliarIp.configSchema, {}));
 * const { state, finding } = unfamiliarIp.evaluate(event, unfamiliarIp.initialState(), prepared, ctx);
 * // finding?.title → 'New country for this key: Brazil (BR)'
 */
export const unfamiliarIp: DetectorDefinition<
  UnfamiliarIpState,
  typeof UnfamiliarIpConfig,
  PreparedUnfamiliarIp,
  UnfamiliarIpOrgState
> = {
  id: 'unfamiliar-ip',
  version: 2,
  title: 'Unfamiliar IP or location',
  description:
    'A key used from an address, network, city, region or country it is not known to be used from, graded by how new the place is and how far it is from every known place.',
  configSchema: UnfamiliarIpConfig,
  prepare: prepareUnfamiliarIp,
  initialState: newKeyProfile,
  initialOrgState: newOrgProfile,
  evaluate,
  describeState: (state, config) =>
    describeProfile(state, {
      forgetMinutes: config.forgetMinutes,
      learningEvents: config.learningEvents,
      learningMinutes: config.learningMinutes,
      countryName: config.countryName,
    }),
};

function evaluate(
  event: EnrichedEvent,
  profile: UnfamiliarIpState,
  config: PreparedUnfamiliarIp,
  ctx: DetectorContext,
  org?: UnfamiliarIpOrgState,
): Evaluation<UnfamiliarIpState, UnfamiliarIpOrgState> {
  let state = profile;
  const minute = Math.floor(event.ts / 60_000);
  if (state[N] === 0) state = restartProfile(state, minute);
  let now = minute - profileStart(state);
  if (now - (state[SWEPT] as number) >= SWEEP_EVERY_MINUTES) {
    state[SWEPT] = now;
    const kept = forgetPlaces(state, now - config.forgetMinutes);
    // A key idle for longer than the forgetting horizon starts learning again.
    if (kept !== state && hasNoPlaces(kept)) {
      state = restartProfile(kept, minute);
      now = 0;
    } else {
      state = kept;
    }
  }
  const cutoff = now - config.forgetMinutes;
  const orgCutoff = minute - config.forgetMinutes;
  if (org && minute - org.sw >= SWEEP_EVERY_MINUTES) {
    org.sw = minute;
    forgetOrgPlaces(org, orgCutoff);
  }

  const found = config.found;
  locatePlaces(state, event, found);
  const events = historyEvents(state);
  const learning = isLearning(events, now, config);
  const judgedOrg = learning && orgHasProfile(org, orgCutoff) ? org : undefined;

  let finding: Finding | undefined;
  // A key's very first event has nothing to be compared with, unless its org has a profile.
  if ((events > 0 || judgedOrg) && !isRoutine(state, found, now, cutoff, config)) {
    const judgement = judgeEvent(
      { event, state, found, now, cutoff, org: judgedOrg, orgCutoff, learning },
      config,
    );
    if (judgement && judgement.score >= config.minScore && !config.allowlists.allows(ctx.policy, event)) {
      finding = explainFinding(event, judgement, state, judgedOrg, cutoff, orgCutoff, {
        detector: unfamiliarIp.id,
        forgetAfterDays: config.forgetAfterDays,
        countryName: config.countryName,
      });
    }
  }

  if (org && state[SETTLED] === 1) teachOrgDaily(state, event, found, now, cutoff, minute, org, config);
  state = learnPlaces(state, event, found, now, cutoff, config.limits, config.labels);
  state[N] = events + 1;
  if (state[SETTLED] === 0 && !isLearning(events + 1, now, config)) {
    state[SETTLED] = 1;
    if (org) teachOrgAll(state, now, cutoff, org, config);
  }

  if (org) return finding ? { state, finding, orgState: org } : { state, orgState: org };
  return finding ? { state, finding } : { state };
}

/** The profile started afresh at `minute`: no events, no places. */
function restartProfile(state: UnfamiliarIpState, minute: number): UnfamiliarIpState {
  if (hasNoPlaces(state)) {
    state[N] = 0;
    state[T0] = minute;
    state[SWEPT] = 0;
    state[SETTLED] = 0;
    return state;
  }
  return [0, minute, 0, 0];
}

function isLearning(events: number, minutes: number, config: PreparedUnfamiliarIp): boolean {
  return events < config.learningEvents || minutes < config.learningMinutes;
}

/** Whether a key's place is one of its usual places (not a recent, rare one). */
function isFamiliar(
  state: UnfamiliarIpState,
  at: number,
  now: number,
  config: PreparedUnfamiliarIp,
): boolean {
  return !isRarePlace(state, at, now, config.familiarAfterEvents, config.familiarMinutes);
}

/**
 * A settled key tells its org, at most once per place and day, that it is still used from its
 * familiar places: cheap (a division per place and event) and keeps the org profile from being
 * forgotten while its keys are busy.
 */
function teachOrgDaily(
  state: UnfamiliarIpState,
  event: EnrichedEvent,
  found: Int32Array,
  now: number,
  cutoff: number,
  minute: number,
  org: UnfamiliarIpOrgState,
  config: PreparedUnfamiliarIp,
): void {
  if (event.ipKind !== 'public') return;
  // Start of the event's day in the profile's minutes: a place last seen before it was not yet
  // taught today.
  const todayStart = Math.floor(minute / DAY_MINUTES) * DAY_MINUTES - profileStart(state);
  for (let level = NETWORK as Level; level <= COUNTRY; level++) {
    const at = found[level]!;
    if (at < 0) continue;
    const last = state[at + AT_LAST] as number;
    if (last < cutoff || last >= todayStart) continue;
    if (!isFamiliar(state, at, now, config)) continue;
    teachPlace(state, at, level, minute, org, config);
  }
}

/** Teaches the org the key's place at `at` (a place of `level`), seen at `minute`. */
function teachPlace(
  state: UnfamiliarIpState,
  at: number,
  level: Level,
  minute: number,
  org: UnfamiliarIpOrgState,
  config: PreparedUnfamiliarIp,
): void {
  teachOrg(
    org,
    level,
    labelText(level, state[at + AT_LABEL]!),
    minute,
    pointOf(state, at, level),
    config.orgLimits[level]!,
  );
}

/** When a key finishes learning, its familiar places join its org's profile. */
function teachOrgAll(
  state: UnfamiliarIpState,
  now: number,
  cutoff: number,
  org: UnfamiliarIpOrgState,
  config: PreparedUnfamiliarIp,
): void {
  const minute = profileStart(state) + now;
  let taught = 0;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    const level = levelAt(state, at);
    if (level < NETWORK || !isLive(state, at, cutoff) || !isFamiliar(state, at, now, config)) continue;
    teachPlace(state, at, level, minute, org, config);
    taught++;
  }
  // An org profile with nothing in it would make every place of a new key look new.
  if (taught > 0) org.k += 1;
}

/** The packed point of a place (networks have none). */
function pointOf(state: UnfamiliarIpState, at: number, level: Level): number {
  return level >= CITY ? (state[at + AT_POINT] as number) : NO_POINT;
}
