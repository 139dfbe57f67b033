import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { enrichCaseEvent } from '../cases-runner.js';
import type { DetectorContext, Finding, KeyPolicy } from '../types.js';
import { type OddHoursConfig, type OddHoursState, oddHours } from './index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** Monday 2026-01-05 00:00 UTC. */
const MONDAY = Date.parse('2026-01-05T00:00:00Z');

function prepare(overrides: Partial<OddHoursConfig> = {}) {
  const config = { ...(Value.Default(oddHours.configSchema, {}) as OddHoursConfig), ...overrides };
  return oddHours.prepare!(config);
}
const prepared = prepare();

interface ReplayOptions {
  timezone?: string;
  policy?: Partial<KeyPolicy>;
  state?: OddHoursState;
  roundTrip?: boolean;
  config?: ReturnType<typeof prepare>;
}

/** Runs one key's events through the detector as the engine would; returns every finding. */
function replay(times: readonly number[], options: ReplayOptions = {}) {
  let state = options.state ?? oddHours.initialState();
  const findings: Array<Finding | undefined> = [];
  const ctx: DetectorContext = {
    policy: { allowCidrs: [], allowCountries: [], ...(options.policy ?? {}) },
    keyEvents: 0,
    keyFirstSeen: times[0] ?? 0,
    timezone: options.timezone ?? 'UTC',
  };
  for (const ts of times) {
    const result = oddHours.evaluate(
      enrichCaseEvent({ ts, ip: '198.51.100.20' }),
      state,
      options.config ?? prepared,
      ctx,
    );
    state = options.roundTrip ? JSON.parse(JSON.stringify(result.state)) : result.state;
    findings.push(result.finding);
    ctx.keyEvents += 1;
  }
  return { state, findings, last: findings[findings.length - 1] };
}

/** Two calls an hour at the local hours `isActive` accepts, on `days` days from `start` (UTC + offset). */
function schedule(
  start: number,
  days: number,
  isActive: (day: number, hour: number) => boolean,
  offsetHours = 0,
): number[] {
  const times: number[] = [];
  for (let index = 0; index < days; index += 1) {
    const midnight = start + index * DAY;
    const day = new Date(midnight).getUTCDay();
    for (let hour = 0; hour < 24; hour += 1) {
      if (!isActive(day, hour)) continue;
      const base = midnight + (hour - offsetHours) * HOUR;
      times.push(base + 15 * 60_000, base + 45 * 60_000);
    }
  }
  return times;
}

const officeHours = (day: number, hour: number) => day >= 1 && day <= 5 && hour >= 8 && hour < 18;
/** Six weeks of an office key, ending Friday 2026-02-13. */
const sixOfficeWeeks = schedule(MONDAY, 40, officeHours);
const afterSixWeeks = MONDAY + 6 * WEEK;
const sundayNight = afterSixWeeks - DAY + 3 * HOUR + 10 * 60_000;
const clone = <T>(value: T): T => structuredClone(value);

describe('odd-hours', () => {
  it('explains an unusual hour with the usual hours and the evidence behind the score', () => {
    const { last } = replay([...sixOfficeWeeks, sundayNight]);
    expect(last).toBeDefined();
    expect(last!.detector).toBe('odd-hours');
    expect(last!.subject).toBe('hour:Sun 03');
    expect(last!.title).toBe('Use at an unusual hour for this key: Sunday 03:00 (UTC)');
    expect(last!.explanation).toBe(
      'Sunday 03:00 UTC is unusual: this key is normally active Mon–Fri 08:00–18:00; in the last 6 weeks it was active in this hour 0 times.',
    );
    expect(last!.evidence).toMatchObject({
      localTime: '2026-02-15T03:10:00.000+00:00',
      timezone: 'UTC',
      hourOfWeek: 3,
      cellWeight: 0,
      learning: false,
      usualHours: { summary: 'Mon–Fri 08:00–18:00', days: 'Mon–Fri', hours: '08:00–18:00' },
    });
    const evidence = last!.evidence as {
      probability: number;
      typicalProbability: number;
      activeWeeks: number;
    };
    expect(evidence.probability).toBeLessThan(evidence.typicalProbability / 50);
    expect(evidence.activeWeeks).toBeCloseTo(5.8, 1);
  });

  it('reports local time in the key zone, daylight saving included', () => {
    const winter = schedule(Date.parse('2026-02-16T00:00:00Z'), 40, officeHours, 1);
    const { last } = replay([...winter, Date.parse('2026-03-29T03:10:00+02:00')], {
      timezone: 'Europe/Berlin',
    });
    expect(last?.subject).toBe('hour:Sun 03');
    expect(last?.title).toBe('Use at an unusual hour for this key: Sunday 03:00 (Europe/Berlin)');
    expect(last?.evidence.localTime).toBe('2026-03-29T03:10:00.000+02:00');
  });

  it('places 09:00 local after the switch to summer time in the 09:00 cell learned in winter', () => {
    const winter = schedule(Date.parse('2026-02-16T00:00:00Z'), 40, officeHours, 1);
    const { state, last } = replay([...winter, Date.parse('2026-03-31T09:05:00+02:00')], {
      timezone: 'Europe/Berlin',
    });
    expect(last).toBeUndefined();
    expect(state.lastCell).toBe(2 * 24 + 9);
    const view = oddHours.describeState!(state, prepared);
    expect((view.usualHours as { summary: string }).summary).toBe('Mon–Fri 08:00–18:00');
  });

  it('counts an hour with thousands of calls the same as an hour with one call', () => {
    const busyHour = Array.from({ length: 5000 }, (_, index) => MONDAY + 10 * HOUR + index * 700);
    const busy = replay([...busyHour, MONDAY + DAY]).state;
    const quiet = replay([MONDAY + 10 * HOUR, MONDAY + DAY]).state;
    expect(busy.cells).toEqual(quiet.cells);
    expect(busy.cells).toEqual([34, 1000]); // one active week, in thousandths
  });

  it('repeats a fired hour at the same score and never higher within that hour', () => {
    const burst = Array.from({ length: 20 }, (_, index) => sundayNight + index * 60_000);
    const { findings } = replay([...sixOfficeWeeks, ...burst]);
    const scores = findings.slice(sixOfficeWeeks.length).map((finding) => finding?.score);
    expect(scores[0]).toBeGreaterThanOrEqual(0.5);
    expect(new Set(scores)).toEqual(new Set([scores[0]]));
  });

  it('keeps a quiet hour quiet for all its later events', () => {
    const morning = Array.from(
      { length: 10 },
      (_, index) => afterSixWeeks + DAY + 9 * HOUR + index * 300_000,
    );
    const { findings } = replay([...sixOfficeWeeks, ...morning]);
    expect(findings.slice(sixOfficeWeeks.length).every((finding) => finding === undefined)).toBe(true);
  });

  it('behaves the same when its state is restored from JSON after every event', () => {
    const probes = [sundayNight, afterSixWeeks + DAY + 3 * HOUR, afterSixWeeks + 5 * DAY + 11 * HOUR];
    const times = [
      ...schedule(MONDAY, 40, officeHours),
      ...probes,
      ...schedule(afterSixWeeks + WEEK, 14, officeHours),
    ];
    const direct = replay(times, { timezone: 'Europe/Berlin' });
    const restored = replay(times, { timezone: 'Europe/Berlin', roundTrip: true });
    expect(restored.findings).toEqual(direct.findings);
    expect(restored.state).toEqual(JSON.parse(JSON.stringify(direct.state)));
    expect(direct.findings.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('is deterministic: the same events give the same findings', () => {
    const times = [...sixOfficeWeeks, sundayNight];
    expect(replay(times).findings).toEqual(replay(times).findings);
  });

  it('re-learns a schedule that moved to the evening within four weeks', () => {
    const eightWeeks = schedule(MONDAY, 54, officeHours);
    const moved = MONDAY + 8 * WEEK;
    const evening = (day: number, hour: number) => day >= 1 && day <= 5 && hour >= 20;
    let { state } = replay(eightWeeks);
    const tuesdayTenPm = (week: number) => moved + week * WEEK + DAY + 22 * HOUR + 10 * 60_000;
    const scoreOfWeek: number[] = [];
    for (let week = 0; week < 6; week += 1) {
      const probe = replay([tuesdayTenPm(week)], { state: clone(state) });
      scoreOfWeek.push(probe.last?.score ?? 0);
      state = replay(schedule(moved + week * WEEK, 7, evening), { state }).state;
    }
    expect(scoreOfWeek[0]).toBeGreaterThanOrEqual(0.4);
    const quietFrom = scoreOfWeek.indexOf(0);
    expect(quietFrom).toBeGreaterThan(0);
    expect(quietFrom).toBeLessThanOrEqual(4);
    expect(scoreOfWeek.slice(quietFrom).every((score) => score === 0)).toBe(true);
  });

  it('halves what an abandoned schedule weighs every half-life', () => {
    const { state } = replay(sixOfficeWeeks);
    const tuesdayTen = 2 * 24 + 10;
    const weightAfter = (days: number) => {
      const view = oddHours.describeState!(
        replay([afterSixWeeks + days * DAY + 3 * HOUR], { state: clone(state) }).state,
        prepared,
      );
      return (view.profile as number[][])[2]![10]!;
    };
    expect(tuesdayTen).toBe(58);
    expect(weightAfter(28) / weightAfter(0)).toBeCloseTo(0.5, 1);
    expect(weightAfter(56) / weightAfter(0)).toBeCloseTo(0.25, 1);
  });

  it('keeps scores when the profile switches from sparse pairs to 168 dense cells', () => {
    const spread = (day: number, hour: number) => day >= 1 && day <= 3 && hour >= 9 && hour < 17;
    const sparseTimes = schedule(MONDAY, 3, spread); // Mon–Wed 09–17: 24 cells
    const sparse = replay([...sparseTimes, MONDAY + 3 * DAY + 9 * HOUR]).state; // the 24th cell is counted
    expect(sparse.cells.length).toBe(48);
    const dense: OddHoursState = { ...clone(sparse), cells: new Array<number>(168).fill(0) };
    for (let index = 0; index < sparse.cells.length; index += 2)
      dense.cells[sparse.cells[index]!] = sparse.cells[index + 1]!;
    const probes = [
      MONDAY + 13 * DAY + 3 * HOUR,
      MONDAY + 14 * DAY + 12 * HOUR,
      MONDAY + 15 * DAY + 22 * HOUR,
    ];
    for (const probe of probes) {
      expect(replay([probe], { state: clone(dense) }).findings).toEqual(
        replay([probe], { state: clone(sparse) }).findings,
      );
    }
    const grown = replay([MONDAY + 3 * DAY + 10 * HOUR, MONDAY + 3 * DAY + 11 * HOUR], {
      state: clone(sparse),
    }).state;
    expect(grown.cells.length).toBe(168);
    for (let index = 0; index < sparse.cells.length; index += 2) {
      expect(grown.cells[sparse.cells[index]!]).toBe(sparse.cells[index + 1]);
    }
  });

  it('stores a key with five events in under 250 bytes of JSON', () => {
    const fiveEvents = [0, 1, 5, 26, 50].map((hours) => MONDAY + hours * HOUR + 120_000);
    const { state } = replay(fiveEvents, { timezone: 'America/Los_Angeles' });
    expect(JSON.stringify(state).length).toBeLessThan(250);
  });

  it('stores a key active around the clock for half a year in under 1.2 KB of JSON', () => {
    const { state } = replay(schedule(MONDAY, 182, () => true));
    expect(state.cells.length).toBe(168);
    expect(JSON.stringify(state).length).toBeLessThan(1200);
  });

  it('never fires for a key used around the clock', () => {
    const { findings } = replay(schedule(MONDAY, 42, () => true));
    expect(findings.filter(Boolean)).toEqual([]);
  });

  it('is not surprised by a new hour of a key used at random hours', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const times: number[] = [];
    for (let hour = 0; hour < 42 * 24; hour += 1)
      if (random() < 12 / 168) times.push(MONDAY + hour * HOUR + 600_000);
    const { findings } = replay(times);
    expect(findings.slice(Math.floor(times.length / 2)).filter(Boolean)).toEqual([]);
  });

  it('scores at most 0.3 while the key is still learning', () => {
    const fiveDays = schedule(MONDAY, 5, officeHours);
    const nights = [5, 6].map((day) => MONDAY + day * DAY + 3 * HOUR);
    for (const night of nights) {
      const { last } = replay([...fiveDays, night]);
      expect(last?.score ?? 0).toBeLessThanOrEqual(0.3);
    }
    const twentyDays = replay([...schedule(MONDAY, 19, officeHours), MONDAY + 20 * DAY + 3 * HOUR]);
    expect(twentyDays.last?.score).toBeGreaterThan(0.3);
  });

  it('raises use outside declared business hours to the configured floor once past learning', () => {
    const businessHours = { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };
    const lateEvening = afterSixWeeks + DAY + 18 * HOUR + 10 * 60_000;
    const outside = replay([...sixOfficeWeeks, lateEvening], { policy: { businessHours } });
    expect(outside.last?.score).toBe(0.5);
    expect(outside.last?.title).toBe('Use outside declared business hours: Tuesday 18:00 (UTC)');
    expect(outside.last?.explanation).toBe(
      'Tuesday 18:00 UTC is outside the declared business hours Mon–Fri 09:00–17:00; this key is normally active Mon–Fri 08:00–18:00 and in the last 6 weeks it was active in this hour 0 times.',
    );
    expect(outside.last?.evidence.businessHours).toMatchObject({
      summary: 'Mon–Fri 09:00–17:00',
      within: false,
    });
    const stricter = replay([...sixOfficeWeeks, lateEvening], {
      policy: { businessHours },
      config: prepare({ outsideBusinessHoursScore: 0.65 }),
    });
    expect(stricter.last?.score).toBe(0.65);
    const learning = replay([...schedule(MONDAY, 3, officeHours), MONDAY + 3 * DAY + 18 * HOUR], {
      policy: { businessHours },
    });
    expect(learning.last).toBeUndefined();
  });

  it('keeps a rare profile hour inside declared business hours at 0.15 or less', () => {
    const businessHours = { days: [0, 1, 2, 3, 4, 5, 6], startHour: 0, endHour: 24 };
    const withPolicy = replay([...sixOfficeWeeks, sundayNight], {
      policy: { businessHours },
      config: prepare({ minScore: 0 }),
    });
    expect(withPolicy.last?.score).toBeLessThanOrEqual(0.15);
  });

  it('moves what it learned when the key time zone changes, so usual hours stay usual', () => {
    // Learned in UTC while the engine did not know the zone: Berlin office hours are 07–17 UTC in winter.
    const learnedInUtc = replay(schedule(MONDAY, 40, officeHours, 1)).state;
    const tuesdayNineBerlin = Date.parse('2026-02-17T09:05:00+01:00');
    const { state, last } = replay([tuesdayNineBerlin], { state: learnedInUtc, timezone: 'Europe/Berlin' });
    expect(last).toBeUndefined();
    expect(state.tz).toBe('Europe/Berlin');
    const view = oddHours.describeState!(state, prepared);
    expect(view.timezone).toBe('Europe/Berlin');
    expect((view.usualHours as { summary: string }).summary).toBe('Mon–Fri 08:00–18:00');
  });

  it('judges a late event without learning from it', () => {
    const { state } = replay([...sixOfficeWeeks, afterSixWeeks + DAY + 10 * HOUR]);
    const before = clone(state);
    const late = replay([sundayNight], { state });
    expect(late.state).toEqual(before);
    expect(late.last?.subject).toBe('hour:Sun 03');
  });

  it('describes its learning as a 7 × 24 profile with the usual hours', () => {
    const { state } = replay(sixOfficeWeeks);
    const view = oddHours.describeState!(state, prepared);
    const profile = view.profile as number[][];
    expect(profile).toHaveLength(7);
    expect(profile.every((row) => row.length === 24)).toBe(true);
    expect(profile[0]!.every((weight) => weight === 0)).toBe(true);
    expect(profile[2]![10]).toBeGreaterThan(3);
    expect(view).toMatchObject({ timezone: 'UTC', learning: false, activeCells: 50, observedDays: 39.4 });
    const oneEvent = oddHours.describeState!(replay([MONDAY + 10 * HOUR]).state, prepared);
    expect((oneEvent.profile as number[][])[1]![10]).toBe(1); // the latest hour counts before it is committed
    expect(oneEvent).toMatchObject({
      learning: true,
      activeCells: 1,
      usualHours: { summary: 'Mon 10:00–11:00' },
    });
  });

  it('documents every setting with a default', () => {
    const properties = (
      oddHours.configSchema as { properties: Record<string, { default?: unknown; description?: string }> }
    ).properties;
    for (const [name, schema] of Object.entries(properties)) {
      expect(schema.default, name).toBeDefined();
      expect(schema.description, name).toMatch(/\w{3,}/);
    }
    expect(Value.Check(oddHours.configSchema, Value.Default(oddHours.configSchema, {}))).toBe(true);
  });
});
