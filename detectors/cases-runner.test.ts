import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { type DetectorCase, enrichCaseEvent, runCase } from './cases-runner.js';
import type { DetectorDefinition } from './types.js';

const Config = Type.Object({ threshold: Type.Number({ default: 3, description: 'Events before firing.' }) });

/** Counts events per key and org; fires with score count/10 from the `threshold`-th event on. */
const counter: DetectorDefinition<
  { count: number },
  typeof Config,
  { threshold: number },
  { count: number }
> = {
  id: 'counter',
  version: 1,
  title: 'Counter',
  description: 'Fires after a number of events.',
  configSchema: Config,
  initialState: () => ({ count: 0 }),
  initialOrgState: () => ({ count: 0 }),
  evaluate(event, state, config, ctx, org) {
    state.count++;
    if (org) org.count++;
    const evaluation: { state: { count: number }; orgState?: { count: number }; finding?: never } = { state };
    if (org) evaluation.orgState = org;
    if (state.count < config.threshold) return evaluation;
    return {
      ...evaluation,
      finding: {
        detector: 'counter',
        score: Math.min(1, state.count / 10),
        subject: `ip:${event.ipNormalized}`,
        title: `${ctx.keyEvents} earlier events, policy ${ctx.policy.allowCountries.join(',')}`,
        explanation: ctx.timezone,
        evidence: {},
      },
    };
  },
};

const events = (count: number, extra = {}) =>
  Array.from({ length: count }, (_, index) => ({ ts: index * 1000, ip: '85.214.10.10', ...extra }));

const check = (testCase: Omit<DetectorCase, 'name'>) => runCase(counter, { name: 'case', ...testCase });

describe('runCase', () => {
  it.each([
    ['a fire case whose last event fires', { expect: 'fire', events: events(3) }, undefined],
    [
      'a fire case whose last event is quiet',
      { expect: 'fire', events: events(2) },
      'expected a finding, got none',
    ],
    [
      'a fire case below its minimum score',
      { expect: 'fire', minScore: 0.5, events: events(3) },
      'expected score ≥ 0.5',
    ],
    [
      'a fire case above its maximum score',
      { expect: 'fire', maxScore: 0.2, events: events(3) },
      'expected score ≤ 0.2',
    ],
    ['a quiet case that fires', { expect: 'quiet', events: events(3) }, 'expected no finding'],
    [
      'a quiet case with a tolerated low finding',
      { expect: 'quiet', maxScore: 0.3, events: events(3) },
      undefined,
    ],
    [
      'a quiet case whose finding exceeds the tolerance',
      { expect: 'quiet', maxScore: 0.2, events: events(3) },
      'above 0.2',
    ],
    ['a case without events', { expect: 'quiet', events: [] }, 'no events'],
  ] as const)('judges %s', (_name, testCase, problem) => {
    const outcome = check(testCase as Omit<DetectorCase, 'name'>);
    if (problem === undefined) expect(outcome.problem).toBeUndefined();
    else expect(outcome.problem).toContain(problem);
  });

  it('fills the config defaults, overridden by the case', () => {
    expect(check({ expect: 'fire', events: events(2), config: { threshold: 2 } }).problem).toBeUndefined();
  });

  it('keeps one state per key and passes the key history and case settings in the context', () => {
    const outcome = check({
      expect: 'fire',
      timezone: 'Europe/Berlin',
      policy: { allowCountries: ['DE'] },
      events: [...events(2, { keyId: 'a' }), ...events(3, { keyId: 'b' })],
    });
    expect(outcome.states).toEqual({ a: { count: 2 }, b: { count: 3 } });
    expect(outcome.finding?.title).toBe('2 earlier events, policy DE');
    expect(outcome.finding?.explanation).toBe('Europe/Berlin');
  });

  it('keeps one org state per org, shared by its keys', () => {
    const outcome = check({
      expect: 'fire',
      events: [...events(2, { keyId: 'a', orgId: 'o' }), ...events(1, { keyId: 'b', orgId: 'o' })],
    });
    expect(outcome.orgStates).toEqual({ o: { count: 3 } });
  });

  it('gives the same outcome when states pass through JSON between events', () => {
    const testCase: DetectorCase = { name: 'json', expect: 'fire', events: events(4, { orgId: 'o' }) };
    const plain = runCase(counter, testCase);
    expect(runCase(counter, testCase, { roundTripState: true })).toEqual(plain);
  });
});

describe('enrichCaseEvent', () => {
  it('fills network, address class and null geography from the address', () => {
    expect(enrichCaseEvent({ ts: '2026-02-02T08:00:00Z', ip: '10.1.2.3' })).toEqual({
      keyId: 'k-case',
      ts: Date.parse('2026-02-02T08:00:00Z'),
      ip: '10.1.2.3',
      ipVersion: 4,
      ipNormalized: '10.1.2.3',
      network: '10.1.2.0/24',
      ipKind: 'private',
      geo: { country: null, region: null, city: null, lat: null, lon: null, timezone: null },
    });
  });

  it('keeps a partial geo and fills the rest with null', () => {
    expect(enrichCaseEvent({ ts: 0, ip: '2a01:4f8::1', geo: { country: 'DE' } })).toMatchObject({
      ipVersion: 6,
      network: '2a01:4f8::/48',
      geo: { country: 'DE', city: null },
    });
  });

  it('rejects an event whose address or time is not valid', () => {
    expect(() => enrichCaseEvent({ ts: 0, ip: 'not-an-ip' })).toThrow(/invalid ip/);
    expect(() => enrichCaseEvent({ ts: 'yesterday', ip: '85.214.10.10' })).toThrow(/invalid ts/);
  });
});
