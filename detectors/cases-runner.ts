import Value from 'typebox/value';
import { parseIp } from '../src/enrich/network.js';
import type { EnrichedEvent, GeoInfo } from '../src/events/types.js';
import type { AnyDetector, DetectorContext, Finding, KeyPolicy } from './types.js';

/**
 * A named event sequence with the expected outcome of its LAST event; earlier events are history.
 *
 * - `fire`: the last event yields a finding whose score lies in [`minScore`, `maxScore`].
 * - `quiet`: the last event yields no finding, or, when `maxScore` is given, at most a finding
 *   scoring ≤ `maxScore` (an informational finding that can never page).
 *
 * Events need only `ts` (epoch ms or ISO string) and `ip`; the runner fills the rest (key `k-case`,
 * network and address class from `parseIp`, all-null geography unless `geo` is given). Cases never
 * call geoip, so they are deterministic.
 *
 * @example
 * const newCountry: DetectorCase = {
 *   name: 'first use from Brazil after weeks from Germany',
 *   expect: 'fire',
 *   minScore: 0.7,
 *   events: [...history, { ts: '2026-03-01T10:00:00Z', ip: '200.1.2.3', geo: { country: 'BR' } }],
 * };
 */
export interface DetectorCase<C = Record<string, unknown>> {
  name: string;
  expect: 'fire' | 'quiet';
  minScore?: number;
  maxScore?: number;
  config?: Partial<C>;
  policy?: Partial<KeyPolicy>;
  timezone?: string;
  events: CaseEvent[];
}

/** One event of a case: any enriched field may be given; `geo` may be partial. */
export type CaseEvent = Omit<Partial<EnrichedEvent>, 'ts' | 'ip' | 'geo'> & {
  ts: number | string;
  ip: string;
  geo?: Partial<GeoInfo>;
};

/** What running a case produced, and whether it met its expectation. */
export interface CaseOutcome {
  name: string;
  expect: 'fire' | 'quiet';
  /** The finding of the last event, if any. */
  finding?: Finding;
  /** Score of the last event's finding, 0 without one. */
  score: number;
  /** Findings of every event of the sequence, in order (`undefined` where there was none). */
  findings: Array<Finding | undefined>;
  /** Final state of each key, by key id (for unit tests that inspect what was learned). */
  states: Record<string, unknown>;
  /** Final org-level state of each org, by org id (detectors with `initialOrgState` only). */
  orgStates: Record<string, unknown>;
  /** Why the case failed; absent when it passed. */
  problem?: string;
}

/** Options of a run. */
export interface RunCaseOptions {
  /**
   * Pass every state through `JSON.parse(JSON.stringify(…))` between events, as a checkpoint and
   * restore would, to prove the detector does not depend on anything JSON loses.
   */
  roundTripState?: boolean;
}

const DEFAULT_KEY = 'k-case';
const NULL_GEO: GeoInfo = { country: null, region: null, city: null, lat: null, lon: null, timezone: null };

/**
 * Runs one case through `prepare` / `initialState` / `initialOrgState` / `evaluate`, keeping a state
 * per key and per org as the engine does, and checks the expectation on the last event.
 */
export function runCase(
  detector: AnyDetector,
  testCase: DetectorCase,
  options: RunCaseOptions = {},
): CaseOutcome {
  const defaults = Value.Default(detector.configSchema, {}) as Record<string, unknown>;
  const config = { ...defaults, ...(testCase.config ?? {}) };
  const prepared = detector.prepare ? detector.prepare(config) : config;
  const policy: KeyPolicy = { allowCidrs: [], allowCountries: [], ...(testCase.policy ?? {}) };
  const keys = new Map<string, { state: unknown; events: number; firstSeen: number }>();
  const orgs = new Map<string, unknown>();
  const findings: Array<Finding | undefined> = [];
  const copy = (value: unknown) =>
    options.roundTripState && value !== undefined ? JSON.parse(JSON.stringify(value)) : value;

  for (const caseEvent of testCase.events) {
    const event = enrichCaseEvent(caseEvent);
    let key = keys.get(event.keyId);
    if (!key) {
      key = { state: detector.initialState(), events: 0, firstSeen: event.ts };
      keys.set(event.keyId, key);
    }
    let orgState: unknown;
    if (event.orgId !== undefined && detector.initialOrgState) {
      // As the engine does: an org's state exists from its first event on, returned or not.
      if (!orgs.has(event.orgId)) orgs.set(event.orgId, detector.initialOrgState());
      orgState = orgs.get(event.orgId);
    }
    const ctx: DetectorContext = {
      policy,
      keyEvents: key.events,
      keyFirstSeen: key.firstSeen,
      timezone: testCase.timezone ?? 'UTC',
    };
    const result = detector.evaluate(event, copy(key.state), prepared, ctx, copy(orgState));
    key.state = copy(result.state);
    key.events += 1;
    if (event.orgId !== undefined && result.orgState !== undefined)
      orgs.set(event.orgId, copy(result.orgState));
    findings.push(result.finding);
  }

  const finding = findings[findings.length - 1];
  const outcome: CaseOutcome = {
    name: testCase.name,
    expect: testCase.expect,
    score: finding?.score ?? 0,
    findings,
    states: Object.fromEntries([...keys].map(([keyId, key]) => [keyId, key.state])),
    orgStates: Object.fromEntries(orgs),
  };
  if (finding) outcome.finding = finding;
  const problem = checkExpectation(detector.id, testCase, finding);
  if (problem) outcome.problem = problem;
  return outcome;
}

/** Runs every case of a detector; see {@link runCase}. */
export function runCases(
  detector: AnyDetector,
  cases: readonly DetectorCase[],
  options: RunCaseOptions = {},
): CaseOutcome[] {
  return cases.map((testCase) => runCase(detector, testCase, options));
}

function checkExpectation(detectorId: string, testCase: DetectorCase, finding: Finding | undefined) {
  if (testCase.events.length === 0) return 'the case has no events';
  if (finding) {
    if (!(finding.score >= 0 && finding.score <= 1)) return `score ${finding.score} is outside [0, 1]`;
    if (finding.detector !== detectorId) return `finding names detector ${finding.detector}`;
  }
  const shown = finding ? `${finding.score.toFixed(3)} (${finding.title})` : 'no finding';
  if (testCase.expect === 'fire') {
    if (!finding) return 'expected a finding, got none';
    if (testCase.minScore !== undefined && finding.score < testCase.minScore) {
      return `expected score ≥ ${testCase.minScore}, got ${shown}`;
    }
    if (testCase.maxScore !== undefined && finding.score > testCase.maxScore) {
      return `expected score ≤ ${testCase.maxScore}, got ${shown}`;
    }
    return undefined;
  }
  if (!finding) return undefined;
  if (testCase.maxScore === undefined) return `expected no finding, got ${shown}`;
  if (finding.score > testCase.maxScore)
    return `expected no finding above ${testCase.maxScore}, got ${shown}`;
  return undefined;
}

/** Fills what enrichment would add to a case event, without geoip. */
export function enrichCaseEvent(caseEvent: CaseEvent): EnrichedEvent {
  const ts = typeof caseEvent.ts === 'number' ? caseEvent.ts : Date.parse(caseEvent.ts);
  if (Number.isNaN(ts)) throw new TypeError(`case event has an invalid ts: ${String(caseEvent.ts)}`);
  const address = parseIp(caseEvent.ip);
  if (address === null) throw new TypeError(`case event has an invalid ip: ${caseEvent.ip}`);
  return {
    keyId: DEFAULT_KEY,
    ipVersion: address.version,
    ipNormalized: address.normalized,
    network: address.network,
    ipKind: address.kind,
    ...caseEvent,
    ts,
    geo: { ...NULL_GEO, ...(caseEvent.geo ?? {}) },
  };
}
