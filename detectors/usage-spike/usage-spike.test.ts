import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { type CaseEvent, enrichCaseEvent } from '../cases-runner.js';
import type { DetectorContext, Finding } from '../types.js';
import { type UsageSpikeConfig, type UsageSpikeState, usageSpike } from './index.js';
import { foldEmptyMinutes, learnMinute } from './minute-fold.js';
import { decayOver, type UsageSpikePrepared } from './prepare.js';
import {
  ACTIVE_MINUTES,
  COUNT,
  MEAN,
  MINUTE,
  rhythmOf,
  statsOf,
  type UsageStats,
  VARIANCE,
} from './state.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;
/** Monday 2026-03-02 00:00 UTC. */
const START = Date.parse('2026-03-02T00:00:00Z');

function prepare(config: Partial<UsageSpikeConfig> = {}): UsageSpikePrepared {
  const defaults = Value.Default(usageSpike.configSchema, {}) as UsageSpikeConfig;
  return usageSpike.prepare!({ ...defaults, ...config });
}

interface Run {
  state: UsageSpikeState;
  findings: Array<{ ts: number; finding: Finding }>;
}

/** Feeds events to one key; `timezone` may change per event. */
function run(
  events: Iterable<CaseEvent>,
  options: { prepared?: UsageSpikePrepared; timezone?: (ts: number) => string; state?: UsageSpikeState } = {},
): Run {
  const prepared = options.prepared ?? prepare();
  let state = options.state ?? usageSpike.initialState();
  const findings: Run['findings'] = [];
  let keyEvents = 0;
  for (const caseEvent of events) {
    const event = enrichCaseEvent(caseEvent);
    const ctx: DetectorContext = {
      policy: { allowCidrs: [], allowCountries: [] },
      keyEvents: keyEvents++,
      keyFirstSeen: START,
      timezone: options.timezone?.(event.ts) ?? 'UTC',
    };
    const result = usageSpike.evaluate(event, state, prepared, ctx);
    state = result.state;
    if (result.finding) findings.push({ ts: event.ts, finding: result.finding });
  }
  return { state, findings };
}

/** `perMinute` calls evenly spread in each minute of [fromMinute, fromMinute + minutes). */
function* steady(
  fromMinute: number,
  minutes: number,
  perMinute: (minute: number) => number,
  fields: Partial<CaseEvent> = {},
): Generator<CaseEvent> {
  for (let minute = fromMinute; minute < fromMinute + minutes; minute++) {
    const calls = perMinute(minute);
    for (let call = 0; call < calls; call++) {
      yield {
        ts: START + minute * MINUTE_MS + Math.floor((call * MINUTE_MS) / calls),
        ip: '198.51.100.20',
        status: 200,
        bytesOut: 20_000,
        ...fields,
      };
    }
  }
}

/** Alternating 5 and 7 calls a minute: a settled key at 6. */
const settledRate = (minute: number) => (minute % 2 === 0 ? 5 : 7);
const threeDays = 3 * DAY_MINUTES;

function settledKey(): UsageSpikeState {
  return run(steady(0, threeDays, settledRate)).state;
}

/** Sets the counts of the minute being counted (requests, bytes out, errors). */
function setCounts(stats: UsageStats, requests: number, bytesOut: number, errors: number): void {
  stats[COUNT] = requests;
  stats[COUNT + 1] = bytesOut;
  stats[COUNT + 2] = errors;
}

/** Equal within `digits` significant digits (both may be 0). */
function expectRelativelyClose(actual: number, expected: number, digits: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    10 ** -digits * Math.max(Math.abs(expected), 1e-12),
  );
}

function maxScore(findings: Run['findings'], subject?: string): number {
  return Math.max(
    0,
    ...findings
      .filter(({ finding }) => !subject || finding.subject === subject)
      .map(({ finding }) => finding.score),
  );
}

describe('usage-spike calibration', () => {
  it('scores ten times a settled key’s rate (54 calls above it) high within the minute', () => {
    const { findings } = run(
      steady(threeDays + 5, 1, () => 60),
      { state: settledKey() },
    );
    expect(maxScore(findings, 'rate:requests')).toBeGreaterThanOrEqual(0.7);
    expect(findings[0]!.finding.title).toBe('Request burst: 26 calls in one minute (expected about 6)');
  });

  it('keeps scoring a burst that lasts ten minutes: the baseline is not poisoned by it', () => {
    const { findings } = run(
      steady(threeDays + 5, 10, () => 60),
      { state: settledKey() },
    );
    const lastMinuteStart = START + (threeDays + 14) * MINUTE_MS;
    const lastMinute = findings.filter(({ ts }) => ts >= lastMinuteStart);
    expect(maxScore(lastMinute, 'rate:requests')).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps three times the mean of a noisy key below medium', () => {
    const noisy = (minute: number) => (minute * 7919) % 61; // 0–60 calls, mean 30
    const { state } = run(steady(0, threeDays, noisy));
    const { findings } = run(
      steady(threeDays + 5, 1, () => 90),
      { state },
    );
    expect(maxScore(findings)).toBeLessThan(0.5);
  });

  it('scores bytes-only exfiltration (20× the usual bytes, usual call count) high', () => {
    const { findings } = run(
      steady(threeDays + 5, 1, () => 6, { bytesOut: 400_000 }),
      { state: settledKey() },
    );
    expect(maxScore(findings, 'rate:bytesOut')).toBeGreaterThanOrEqual(0.7);
    expect(maxScore(findings, 'rate:requests')).toBe(0);
  });

  it('scores 30 failed calls in a minute on a key with under 1 % errors high', () => {
    const oneIn300Fails = [...steady(0, threeDays, settledRate)].map((event, index) =>
      index % 300 === 0 ? { ...event, status: 404 } : event,
    );
    const rareErrors = run(oneIn300Fails).state;
    const { findings } = run(
      steady(threeDays + 5, 1, () => 30, { status: 401, bytesOut: 90 }),
      {
        state: rareErrors,
      },
    );
    expect(maxScore(findings, 'rate:errors')).toBeGreaterThanOrEqual(0.7);
  });

  it('does not report a busier day (1.5–2× all day, smoothly) at medium or above', () => {
    const busy = (minute: number) => 40 + (minute % 3);
    const { state } = run(steady(0, threeDays, busy));
    for (const factor of [1.5, 1.8, 2]) {
      const { findings } = run(
        steady(threeDays, DAY_MINUTES, (minute) => Math.round(busy(minute) * factor)),
        { state: structuredClone(state) },
      );
      expect(maxScore(findings)).toBeLessThan(0.5);
    }
  });

  it('caps every score at 0.45 while a key is younger than learningMinutes', () => {
    const { findings } = run([...steady(0, 60, () => 3), ...steady(61, 5, () => 500)]);
    expect(findings.length).toBeGreaterThan(0);
    expect(maxScore(findings)).toBeLessThanOrEqual(0.45);
    expect(findings.every(({ finding }) => finding.evidence.learning === true)).toBe(true);
  });
});

describe('usage-spike reporting', () => {
  it('reports a burst once when it crosses minScore and again only when its score rises by 0.1', () => {
    const { findings } = run(
      steady(threeDays + 5, 1, () => 300),
      { state: settledKey() },
    );
    // Calls carrying the usual bytes each are a request burst, not a data-volume spike as well.
    expect(findings.filter(({ finding }) => finding.subject === 'rate:bytesOut')).toEqual([]);
    for (const subject of ['rate:requests']) {
      const scores = findings
        .filter(({ finding }) => finding.subject === subject)
        .map(({ finding }) => finding.score);
      expect(scores.length).toBeGreaterThan(0);
      expect(scores.length).toBeLessThanOrEqual(6);
      for (let index = 1; index < scores.length; index++) {
        expect(scores[index]! - scores[index - 1]!).toBeGreaterThanOrEqual(0.1 - 1e-12);
      }
    }
    expect(findings.length).toBeLessThan(300 / 10);
  });

  it('explains a finding with expected against observed and the baseline behind it', () => {
    const { findings } = run(
      steady(threeDays + 5, 1, () => 60),
      { state: settledKey() },
    );
    const { finding } = findings[0]!;
    expect(finding).toMatchObject({ detector: 'usage-spike', subject: 'rate:requests' });
    expect(finding.explanation).toMatch(
      /^In the minute from 00:05 UTC the key made 26 calls so far, against about 6 a minute/,
    );
    expect(finding.evidence).toMatchObject({
      metric: 'requests',
      minute: '2026-03-05T00:05:00.000Z',
      observed: 26,
      timezone: 'UTC',
      hourOfWeek: 4 * 24,
      localHour: 'Thu 00',
      learning: false,
    });
    expect(finding.evidence.expected).toBeCloseTo(6, 0);
    expect(finding.evidence.expectedSd).toBeGreaterThan(1);
    expect(finding.evidence.ratio).toBeGreaterThan(4);
    expect(finding.evidence.z).toBeGreaterThan(4);
    expect(finding.evidence.baseline).toMatchObject({ halfLifeMinutes: 120, weeklyRhythm: true });
  });

  it('counts a late event of an earlier minute into the current minute', () => {
    const prepared = prepare();
    const { state } = run(
      [
        { ts: START + 10 * MINUTE_MS, ip: '198.51.100.20' },
        { ts: START + 9 * MINUTE_MS + 30_000, ip: '198.51.100.20', bytesOut: 10, status: 500 },
      ],
      { prepared },
    );
    const stats = statsOf(state);
    expect(stats[MINUTE]).toBe(Math.floor(START / MINUTE_MS) + 10);
    expect(stats.slice(COUNT, COUNT + 3)).toEqual([2, 10, 1]);
  });
});

describe('usage-spike state', () => {
  it('folds a gap of empty minutes as if each had been learned as zeros', () => {
    const prepared = prepare();
    const folded = statsOf(settledKey());
    const looped = structuredClone(folded);
    foldEmptyMinutes(folded, 777, prepared);
    setCounts(looped, 0, 0, 0);
    for (let minute = 0; minute < 777; minute++) learnMinute(looped, false, prepared);
    for (let metric = 0; metric < 3; metric++) {
      expectRelativelyClose(folded[MEAN + metric]!, looped[MEAN + metric]!, 9);
      expectRelativelyClose(folded[VARIANCE + metric]!, looped[VARIANCE + metric]!, 9);
    }
  });

  it('gives a gap between events the same level as a history that had zero-count minutes', () => {
    const prepared = prepare({ seasonality: false });
    const events = [...steady(0, 600, settledRate), ...steady(900, 10, settledRate)];
    const direct = statsOf(run(events, { prepared }).state);
    // Same history with the gap walked minute by minute.
    const walked = statsOf(run(steady(0, 600, settledRate), { prepared }).state);
    learnMinute(walked, true, prepared);
    setCounts(walked, 0, 0, 0);
    for (let minute = 600; minute < 899; minute++) learnMinute(walked, true, prepared);
    walked[MINUTE] = Math.floor(START / MINUTE_MS) + 899;
    walked[ACTIVE_MINUTES]!++;
    const resumed = statsOf(run(steady(900, 10, settledRate), { prepared, state: walked }).state);
    for (let metric = 0; metric < 3; metric++) {
      expectRelativelyClose(resumed[MEAN + metric]!, direct[MEAN + metric]!, 9);
      expectRelativelyClose(resumed[VARIANCE + metric]!, direct[VARIANCE + metric]!, 9);
    }
  });

  it('folds gaps of any length with exactly the decay that ** computes', () => {
    const prepared = prepare();
    for (const minutes of [0, 1, 59, 1_439, 4_320, 4_321, 50_000]) {
      expect(decayOver(prepared.retentionPowers, prepared.retention, minutes)).toBe(
        prepared.retention ** minutes,
      );
      expect(decayOver(prepared.peakRetentionPowers, prepared.peakRetention, minutes)).toBe(
        prepared.peakRetention ** minutes,
      );
    }
  });

  it('forgets the scores reported in a minute once the minute is over', () => {
    const state = settledKey();
    const burst = run(
      steady(threeDays + 5, 1, () => 60),
      { state: structuredClone(state) },
    );
    expect(burst.findings.length).toBeGreaterThan(0);
    expect(statsOf(burst.state).length).toBeGreaterThan(statsOf(state).length);
    const next = run([{ ts: START + (threeDays + 7) * MINUTE_MS, ip: '198.51.100.20' }], {
      state: burst.state,
    }).state;
    expect(statsOf(next)).toHaveLength(statsOf(state).length);
  });

  it('survives a JSON round trip unchanged and goes on exactly as before', () => {
    const state = settledKey();
    expect(rhythmOf(state)).toBeDefined();
    const restored = JSON.parse(JSON.stringify(state)) as UsageSpikeState;
    expect(restored).toEqual(state);
    const burst = [...steady(threeDays + 5, 1, () => 80)];
    expect(run(burst, { state: restored }).findings).toEqual(run(burst, { state }).findings);
  });

  it('keeps a key with a handful of events under 250 bytes of JSON and without a rhythm', () => {
    const events: CaseEvent[] = [0, 5_000, 70_000, 200_000, 30 * 3_600_000, 50 * 3_600_000].map((offset) => ({
      ts: START + offset,
      ip: '198.51.100.20',
      status: 200,
      bytesOut: 123_456_789,
    }));
    const { state } = run(events, { timezone: () => 'America/Argentina/Buenos_Aires' });
    expect(rhythmOf(state)).toBeUndefined();
    expect(JSON.stringify(state).length).toBeLessThan(250);
  });

  it('learns the weekly rhythm in the key’s local time', () => {
    // 09:00–10:00 in Tokyo (00:00–01:00 UTC) runs at 60 a minute, the rest of the day at 4.
    const tokyoPeak = (minute: number) => (Math.floor((minute % DAY_MINUTES) / 60) === 0 ? 60 : 4);
    const { state } = run(steady(0, 8 * DAY_MINUTES, tokyoPeak), { timezone: () => 'Asia/Tokyo' });
    const view = usageSpike.describeState!(state, prepare()) as {
      timezone: string;
      metrics: { requests: { weekly: { weekdays: number[] } } };
    };
    expect(view.timezone).toBe('Asia/Tokyo');
    const weekdays = view.metrics.requests.weekly.weekdays;
    expect(weekdays[9]).toBeGreaterThan(50);
    expect(weekdays[8]).toBeLessThan(6);
    expect(weekdays[10]).toBeLessThan(6);
  });

  it('moves the rhythm with the key when its time zone changes', () => {
    const utcPeak = (minute: number) => (Math.floor((minute % DAY_MINUTES) / 60) === 0 ? 60 : 4);
    const prepared = prepare();
    const { state } = run(steady(0, 8 * DAY_MINUTES, utcPeak), { prepared });
    const moved = run(
      steady(8 * DAY_MINUTES, 2, () => 4),
      { prepared, state, timezone: () => 'Asia/Tokyo' },
    ).state;
    const weekdays = rhythmOf(moved)!.rates[0]!.slice(0, 24);
    expect(rhythmOf(moved)!.tz).toBe('Asia/Tokyo');
    expect(weekdays[9]).toBeGreaterThan(50);
    expect(weekdays[0]).toBeLessThan(6);
  });

  it('describes what it has learned per metric', () => {
    const view = usageSpike.describeState!(settledKey(), prepare()) as Record<string, unknown>;
    expect(view).toMatchObject({ learning: false, weeklyRhythm: true, halfLifeMinutes: 120 });
    const metrics = view.metrics as Record<string, { mean: number; sd: number; weekly: unknown }>;
    expect(Object.keys(metrics)).toEqual(['requests', 'bytesOut', 'errors']);
    expect(metrics.requests!.mean).toBeCloseTo(6, 0);
    expect(metrics.requests!.sd).toBeGreaterThan(0);
  });

  it('documents every setting with a default and a description', () => {
    const properties = usageSpike.configSchema.properties as Record<
      string,
      { default?: unknown; description?: string }
    >;
    for (const name of [
      'halfLifeMinutes',
      'zThreshold',
      'minRequestExcess',
      'minBytesExcess',
      'minErrors',
      'learningMinutes',
      'minScore',
      'seasonality',
    ]) {
      expect(properties[name]?.default, name).toBeDefined();
      expect(properties[name]?.description, name).toBeTruthy();
    }
  });
});
