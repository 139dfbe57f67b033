import type { EnrichedEvent } from '../../src/events/types.js';
import type { DetectorContext, DetectorDefinition, Evaluation, Finding } from '../types.js';
import { UnfamiliarIpConfig } from './config.js';
import { explainFinding } from './explain.js';
import { isRoutine, judgeEvent } from './judge.js';
import {
  AT_LABEL,
  AT_LAST,
  AT_LEVEL,
  AT_POINT,
  forgetPlaces,
  isLive,
  isRarePlace,
  learnPlaces,
  locatePlaces,
  newKeyProfile,
  STRIDE,
  type UnfamiliarIpState,
} from './key-profile.js';
import {
  forgetOrgPlaces,
  newOrgProfile,
  orgHasProfile,
  teachOrg,
  type UnfamiliarIpOrgState,
} from './org-profile.js';
import { COUNTRY, type Level, NETWORK } from './places.js';
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
  version: 1,
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
  state: UnfamiliarIpState,
  config: PreparedUnfamiliarIp,
  ctx: DetectorContext,
  org?: UnfamiliarIpOrgState,
): Evaluation<UnfamiliarIpState, UnfamiliarIpOrgState> {
  const minute = Math.floor(event.ts / 60_000);
  if (state.n === 0) restartProfile(state, minute);
  let now = minute - state.t0;
  if (now - state.sw >= SWEEP_EVERY_MINUTES) {
    state.sw = now;
    // A key idle for longer than the forgetting horizon starts learning again.
    if (forgetPlaces(state, now - config.forgetMinutes) && state.p.length === 0) {
      restartProfile(state, minute);
      now = 0;
    }
  }
  const cutoff = now - config.forgetMinutes;
  const orgCutoff = minute - config.forgetMinutes;
  if (org && minute - org.sw >= SWEEP_EVERY_MINUTES) {
    org.sw = minute;
    forgetOrgPlaces(org, orgCutoff);
  }

  const found = config.found;
  locatePlaces(state.p, event, found);
  const learning = isLearning(state.n, now, config);
  const judgedOrg = learning && orgHasProfile(org, orgCutoff) ? org : undefined;

  let finding: Finding | undefined;
  // A key's very first event has nothing to be compared with, unless its org has a profile.
  if ((state.n > 0 || judgedOrg) && !isRoutine(state, found, now, cutoff, config)) {
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

  if (org && state.s === 1) teachOrgDaily(state, event, found, now, cutoff, minute, org, config);
  learnPlaces(state, event, found, now, cutoff, config.limits, config.labels);
  state.n++;
  if (state.s === 0 && !isLearning(state.n, now, config)) {
    state.s = 1;
    if (org) teachOrgAll(state, now, cutoff, org, config);
  }

  if (org) return finding ? { state, finding, orgState: org } : { state, orgState: org };
  return finding ? { state, finding } : { state };
}

function restartProfile(state: UnfamiliarIpState, minute: number): void {
  state.n = 0;
  state.t0 = minute;
  state.sw = 0;
  state.s = 0;
  state.p = [];
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
  const todayStart = Math.floor(minute / DAY_MINUTES) * DAY_MINUTES - state.t0;
  const places = state.p;
  for (let level = NETWORK as Level; level <= COUNTRY; level++) {
    const at = found[level]!;
    if (at < 0) continue;
    const last = places[at + AT_LAST] as number;
    if (last < cutoff || last >= todayStart) continue;
    if (!isFamiliar(state, at, now, config)) continue;
    teachOrg(
      org,
      level,
      state.p[at + AT_LABEL] as string,
      minute,
      state.p[at + AT_POINT] as number,
      config.orgLimits[level]!,
    );
  }
}

/** When a key finishes learning, its familiar places join its org's profile. */
function teachOrgAll(
  state: UnfamiliarIpState,
  now: number,
  cutoff: number,
  org: UnfamiliarIpOrgState,
  config: PreparedUnfamiliarIp,
): void {
  const minute = state.t0 + now;
  let taught = 0;
  for (let at = 0; at < state.p.length; at += STRIDE) {
    const level = state.p[at + AT_LEVEL] as Level;
    if (level < NETWORK || !isLive(state.p, at, cutoff) || !isFamiliar(state, at, now, config)) continue;
    teachOrg(
      org,
      level,
      state.p[at + AT_LABEL] as string,
      minute,
      state.p[at + AT_POINT] as number,
      config.orgLimits[level]!,
    );
    taught++;
  }
  // An org profile with nothing in it would make every place of a new key look new.
  if (taught > 0) org.k += 1;
}
