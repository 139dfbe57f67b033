import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import type { GeoInfo } from '../../src/events/types.js';
import { type CaseEvent, type DetectorCase, enrichCaseEvent, runCase } from '../cases-runner.js';
import type { Finding } from '../types.js';
import { unfamiliarIpCases } from './cases.js';
import { UnfamiliarIpConfig } from './config.js';
import { NO_POINT } from './geo-point.js';
import { type UnfamiliarIpOrgState, type UnfamiliarIpState, unfamiliarIp } from './index.js';
import { AT_LABEL, FIRST_PLACE, historyEvents, levelAt, nextPlace } from './key-profile.js';
import { newOrgProfile, teachOrg } from './org-profile.js';
import { COUNTRY, labelText } from './places.js';
import { prepareUnfamiliarIp } from './prepare.js';

type Place = Partial<GeoInfo>;

const BERLIN: Place = { country: 'DE', region: 'BE', city: 'Berlin', lat: 52.52, lon: 13.4 };
const VIENNA: Place = { country: 'AT', region: '9', city: 'Vienna', lat: 48.21, lon: 16.37 };
const SAO_PAULO: Place = { country: 'BR', region: 'SP', city: 'São Paulo', lat: -23.55, lon: -46.63 };

const START = Date.parse('2026-02-02T08:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `count` events, `every` ms apart from `from`, from addresses of one /24 in one place. */
function series(
  count: number,
  from: number,
  every: number,
  network: string,
  geo: Place,
  extra = {},
): CaseEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    ts: from + index * every,
    ip: `${network}.${10 + (index % 3)}`,
    geo,
    ...extra,
  }));
}

/** Twenty days of eight events a day from Berlin. */
const berlinHistory = series(160, START, 3 * HOUR, '85.214.10', BERLIN);
const afterHistory = START + 20 * DAY;

/** Runs events through the detector and returns every finding and the final state of `k-case`. */
function run(events: CaseEvent[], options: Partial<DetectorCase<UnfamiliarIpConfig>> = {}) {
  const outcome = runCase(unfamiliarIp, { name: 'unit', expect: 'quiet', events, ...options });
  return {
    findings: outcome.findings,
    last: outcome.findings[outcome.findings.length - 1],
    state: outcome.states['k-case'] as UnfamiliarIpState,
    states: outcome.states as Record<string, UnfamiliarIpState>,
    orgStates: outcome.orgStates as Record<string, UnfamiliarIpOrgState>,
  };
}

/** Labels of the stored places of one level (0 host … 4 country), as text. */
function labelsAt(state: UnfamiliarIpState, level: number): string[] {
  const labels: string[] = [];
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    if (levelAt(state, at) === level) labels.push(labelText(level, state[at + AT_LABEL]!));
  }
  return labels;
}

/** Number of stored places, of every level. */
function placeCount(state: UnfamiliarIpState): number {
  let count = 0;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) count++;
  return count;
}

describe('unfamiliar-ip cases', () => {
  it.each(unfamiliarIpCases.map((testCase) => [testCase.name, testCase] as const))(
    '%s',
    (_name, testCase) => {
      expect(runCase(unfamiliarIp, testCase).problem).toBeUndefined();
    },
  );

  it('gives the same findings when every state is checkpointed through JSON between events', () => {
    for (const testCase of unfamiliarIpCases) {
      const plain = runCase(unfamiliarIp, testCase);
      const restored = runCase(unfamiliarIp, testCase, { roundTripState: true });
      expect(restored.findings, testCase.name).toEqual(plain.findings);
      expect(restored.states, testCase.name).toEqual(plain.states);
    }
  });

  it('gives identical findings when the same events are replayed', () => {
    const events = [...berlinHistory, { ts: afterHistory, ip: '200.147.3.9', geo: SAO_PAULO }];
    expect(run(events).findings).toEqual(run(events).findings);
  });
});

describe('unfamiliar-ip findings', () => {
  it('explains a new country with the baseline it was compared with', () => {
    const { last } = run([...berlinHistory, { ts: afterHistory, ip: '200.147.3.9', geo: SAO_PAULO }]);
    const finding = last as Finding;
    expect(finding.detector).toBe('unfamiliar-ip');
    expect(finding.subject).toBe('ip:200.147.3.9');
    expect(finding.title).toBe('New country for this key: Brazil (BR)');
    expect(finding.explanation).toBe(
      'Key k-case was used from 200.147.3.9 in São Paulo, Brazil, 10,245 km from the nearest place it was known from; in the last 30 days it was only used from Germany (160 events).',
    );
    expect(finding.evidence).toMatchObject({
      grade: 'new-country',
      repeat: false,
      judgedAgainst: 'key',
      ip: '200.147.3.9',
      network: '200.147.3.0/24',
      geo: { country: 'BR', city: 'São Paulo' },
      distanceKm: 10245,
      baseline: {
        historyEvents: 160,
        knownNetworks: 1,
        knownIps: 3,
        countries: [{ country: 'DE', name: 'Germany', count: 160, lastSeen: '2026-02-22T05:00:00.000Z' }],
        cities: [{ city: 'Berlin', region: 'BE', country: 'DE', count: 160 }],
      },
    });
  });

  it.each([
    ['new-region', { country: 'DE', region: 'BY', city: 'Munich', lat: 48.14, lon: 11.58 }, '89.246.1.2'],
    ['new-city', { country: 'DE', region: 'BE', city: 'Spandau', lat: 52.53, lon: 13.2 }, '89.246.1.2'],
    ['new-network', BERLIN, '91.64.1.2'],
  ] as const)('grades a %s finding with a low score', (grade, geo, ip) => {
    const { last } = run([...berlinHistory, { ts: afterHistory, ip, geo }]);
    expect(last?.evidence.grade).toBe(grade);
    expect(last!.score).toBeLessThan(0.5);
  });

  it('is less surprised by a new country the more countries the key already knows', () => {
    const countries = ['DE', 'FR', 'NL', 'PL', 'CZ', 'IT', 'CH'];
    const scoreAfter = (known: number) => {
      const history = countries.slice(0, known).flatMap((country, index) =>
        series(40, START + index * 2 * DAY, HOUR, `${80 + index}.1.1`, {
          country,
          lat: 50,
          lon: 10 + index,
        }),
      );
      const ts = START + known * 2 * DAY + HOUR;
      return run([...history, { ts, ip: '200.147.3.9', geo: SAO_PAULO }]).last!.score;
    };
    const scores = [1, 3, 7].map(scoreAfter);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[1]).toBeGreaterThan(scores[2]!);
    expect(scores[2]).toBeGreaterThanOrEqual(0.5);
  });

  it('reminds at most low while a new country is still rare, then falls silent', () => {
    const attack = series(25, afterHistory, MINUTE, '200.147.3', SAO_PAULO);
    const { findings } = run([...berlinHistory, ...attack]);
    const attackFindings = findings.slice(berlinHistory.length);
    expect(attackFindings[0]!.score).toBeGreaterThanOrEqual(0.85);
    for (const reminder of attackFindings.slice(1, 20)) expect(reminder?.score).toBeLessThanOrEqual(0.25);
    expect(attackFindings[1]?.title).toBe('Still unfamiliar country for this key: Brazil (BR)');
    expect(attackFindings.slice(20).every((finding) => finding === undefined)).toBe(true);
  });

  it('learns allowlisted events, so the place is known once the allowlist is gone', () => {
    const visit = { ts: afterHistory, ip: '200.147.3.9', geo: SAO_PAULO };
    const allowed = run([...berlinHistory, visit], { policy: { allowCountries: ['BR'] } });
    expect(allowed.last).toBeUndefined();
    expect(labelsAt(allowed.state, 4)).toContain('BR');
  });

  it('matches an IPv6 address against an allowlisted IPv6 range', () => {
    const visit = { ts: afterHistory, ip: '2804:14c:1::7', geo: SAO_PAULO };
    expect(run([...berlinHistory, visit]).last).toBeDefined();
    expect(
      run([...berlinHistory, visit], { policy: { allowCidrs: ['2804:14c::/32'] } }).last,
    ).toBeUndefined();
  });
});

describe('unfamiliar-ip learning', () => {
  const fastLearning = { learningEvents: 30, learningHours: 24 };

  it('never scores above 0.45 while a key without an org is still learning', () => {
    const countries = ['BR', 'JP', 'US', 'ZA', 'AU', 'IN', 'MX', 'NG'];
    const events = countries.flatMap((country, index) =>
      series(3, START + index * HOUR, MINUTE, `${100 + index}.1.1`, {
        country,
        lat: index * 10,
        lon: index * 20,
      }),
    );
    const { findings } = run(events, { config: fastLearning });
    expect(findings.some((finding) => finding !== undefined)).toBe(true);
    for (const finding of findings) expect(finding?.score ?? 0).toBeLessThanOrEqual(0.45);
  });

  it('reports nothing for the very first event of a key without an org profile', () => {
    expect(run([{ ts: START, ip: '200.147.3.9', geo: SAO_PAULO }]).last).toBeUndefined();
  });

  it('judges a new key of a known org against the org, which did not learn an attacker country', () => {
    const old = { keyId: 'k-old', orgId: 'org-1' };
    const history = series(40, START, 3 * HOUR, '85.214.10', BERLIN, old);
    const attack = series(3, START + 5 * DAY, MINUTE, '200.147.3', SAO_PAULO, old);
    const newKey = {
      ts: START + 5 * DAY + HOUR,
      ip: '200.147.3.50',
      geo: SAO_PAULO,
      keyId: 'k-new',
      orgId: 'org-1',
    };
    const { last, orgStates } = run([...history, ...attack, newKey]);
    expect(orgStates['org-1']!.k).toBe(1);
    expect(Object.keys(orgStates['org-1']!.cc)).toEqual(['DE']);
    expect(last?.evidence.judgedAgainst).toBe('organisation');
    expect(last?.title).toBe('New country for this key and its organisation: Brazil (BR)');
    expect(last?.explanation).toMatch(
      /it is the first use of this key and in the last 30 days the other keys of its organisation were only used from Germany \(\d+ key-days\)\.$/,
    );
    expect(last!.score).toBeGreaterThanOrEqual(0.75);
  });

  it('starts learning again after a silence longer than the forgetting horizon', () => {
    const comeback = { ts: afterHistory + 45 * DAY, ip: '200.147.3.9', geo: SAO_PAULO };
    const { last, state } = run([...berlinHistory, comeback]);
    expect(last).toBeUndefined();
    expect(historyEvents(state)).toBe(1);
    expect(labelsAt(state, 4)).toEqual(['BR']);
  });
});

describe('unfamiliar-ip state', () => {
  it('drops places not seen for forgetAfterDays', () => {
    const vienna = series(40, START, 2 * HOUR, '81.217.20', VIENNA);
    const berlin = series(320, START + 4 * DAY, 3 * HOUR, '85.214.10', BERLIN);
    const { state } = run([...vienna, ...berlin]);
    expect(labelsAt(state, 4)).toEqual(['DE']);
    expect(labelsAt(state, 1)).toEqual(['85.214.10.0/24']);
    const profile = unfamiliarIp.describeState!(state, prepareUnfamiliarIp(defaults()));
    expect((profile.countries as unknown[]).length).toBe(1);
  });

  it('treats a forgotten place as new even before the daily sweep removes it', () => {
    const config = { learningEvents: 0, learningHours: 0, forgetAfterDays: 0.1 }; // 144 minutes
    const events: CaseEvent[] = [
      ...series(10, START, MINUTE, '85.214.10', BERLIN),
      { ts: START + 10 * MINUTE, ip: '81.217.20.5', geo: VIENNA },
      ...series(10, START + 200 * MINUTE, MINUTE, '85.214.10', BERLIN),
      { ts: START + 210 * MINUTE, ip: '81.217.20.5', geo: VIENNA },
    ];
    const { last, state } = run(events, { config });
    expect(last?.evidence.grade).toBe('new-country');
    expect(labelsAt(state, 4).filter((label) => label === 'AT')).toHaveLength(1);
  });

  it('keeps at most the configured number of places per level, evicting the least recently seen', () => {
    const events: CaseEvent[] = Array.from({ length: 100 }, (_, index) => ({
      ts: START + index * HOUR,
      ip: `${20 + index}.1.${index}.1`,
      geo: { country: `C${index}`, region: `R${index}`, city: `City ${index}`, lat: 0, lon: index },
    }));
    const { state } = run(events);
    expect(labelsAt(state, 0)).toHaveLength(32);
    expect(labelsAt(state, 1)).toHaveLength(32);
    expect(labelsAt(state, 2)).toHaveLength(16);
    expect(labelsAt(state, 3)).toHaveLength(16);
    expect(labelsAt(state, 4)).toHaveLength(16);
    expect(labelsAt(state, 4)).toContain('C99');
    expect(labelsAt(state, 4)).not.toContain('C83');
    expect(placeCount(state)).toBe(32 + 32 + 16 + 16 + 16);
  });

  it('behaves the same on a state restored from JSON', () => {
    const { state } = run(berlinHistory);
    const restored = JSON.parse(JSON.stringify(state)) as UnfamiliarIpState;
    const prepared = prepareUnfamiliarIp(defaults());
    const ctx = {
      policy: { allowCidrs: [], allowCountries: [] },
      keyEvents: 160,
      keyFirstSeen: START,
      timezone: 'UTC',
    };
    const next = enrichCaseEvent({ ts: afterHistory, ip: '200.147.3.9', geo: SAO_PAULO });
    const fromMemory = unfamiliarIp.evaluate(next, structuredClone(state), prepared, ctx);
    const fromJson = unfamiliarIp.evaluate(next, restored, prepared, ctx);
    expect(fromJson.finding).toEqual(fromMemory.finding);
    expect(fromJson.state).toEqual(fromMemory.state);
  });

  it('keeps the state of a key with five events under 400 bytes of JSON', () => {
    const ipv4 = run(series(5, START, MINUTE, '85.214.10', BERLIN)).state;
    expect(JSON.stringify(ipv4).length).toBeLessThan(400);
    const ipv6 = run(
      Array.from({ length: 5 }, (_, index) => ({
        ts: START + index * MINUTE,
        ip: `2a01:4f8:10a:2f3::${index + 1}`,
        geo: BERLIN,
      })),
    ).state;
    expect(JSON.stringify(ipv6).length).toBeLessThan(400);
  });

  it('describes the learned profile with counts and ISO times', () => {
    const { state } = run(berlinHistory);
    const profile = unfamiliarIp.describeState!(state, prepareUnfamiliarIp(defaults()));
    expect(profile).toMatchObject({
      historyEvents: 160,
      since: '2026-02-02T08:00:00.000Z',
      learning: false,
      countries: [{ country: 'DE', name: 'Germany', count: 160, lastSeen: '2026-02-22T05:00:00.000Z' }],
      cities: [{ city: 'Berlin', region: 'BE', country: 'DE', count: 160 }],
      networks: [{ network: '85.214.10.0/24', count: 160, firstSeen: '2026-02-02T08:00:00.000Z' }],
    });
    expect(profile.ips).toHaveLength(3);
  });

  it('shows addresses and networks of the whole IPv4 range as text, in the profile and in findings', () => {
    const history = series(40, START, 3 * HOUR, '200.147.3', BERLIN);
    const visit = { ts: START + 40 * 3 * HOUR, ip: '223.255.254.7', geo: BERLIN };
    const { last, state } = run([...history, visit]);
    const profile = unfamiliarIp.describeState!(state, prepareUnfamiliarIp(defaults())) as {
      networks: Array<{ network: string }>;
      ips: Array<{ ip: string }>;
    };
    expect(profile.networks.map((place) => place.network).sort()).toEqual([
      '200.147.3.0/24',
      '223.255.254.0/24',
    ]);
    expect(profile.ips.map((place) => place.ip)).toContain('223.255.254.7');
    expect(profile.ips.map((place) => place.ip)).toContain('200.147.3.12');
    expect(last?.evidence.grade).toBe('new-network');
    expect(last?.explanation).toContain('only used from 200.147.3.0/24 (40 events)');
  });
});

describe('unfamiliar-ip organisation profile', () => {
  it('keeps at most the configured number of places per org table, also after a JSON round trip', () => {
    const org = newOrgProfile();
    teachOrg(org, COUNTRY, 'DE', 100, NO_POINT, 2);
    teachOrg(org, COUNTRY, 'AT', 200, NO_POINT, 2);
    teachOrg(org, COUNTRY, 'DE', 300, NO_POINT, 2);
    teachOrg(org, COUNTRY, 'CH', 400, NO_POINT, 2); // evicts AT, the least recently taught
    expect(Object.keys(org.cc).sort()).toEqual(['CH', 'DE']);
    const restored = JSON.parse(JSON.stringify(org)) as UnfamiliarIpOrgState;
    teachOrg(restored, COUNTRY, 'FR', 500, NO_POINT, 2); // evicts DE
    teachOrg(restored, COUNTRY, 'FR', 600, NO_POINT, 2);
    expect(restored.cc).toEqual({ CH: [1, 400, NO_POINT], FR: [2, 600, NO_POINT] });
  });
});

/** The schema defaults, as the engine fills them into an empty config section. */
function defaults(): UnfamiliarIpConfig {
  return Value.Default(UnfamiliarIpConfig, {}) as UnfamiliarIpConfig;
}
