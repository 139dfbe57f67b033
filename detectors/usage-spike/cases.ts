import type { CaseEvent, DetectorCase } from '../cases-runner.js';
import type { UsageSpikeConfig } from './config.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;
const SETTLED_MINUTES = 2 * DAY_MINUTES + 6 * 60;
const CLIENT_IP = '198.51.100.20';
const OTHER_IP = '203.0.113.77';
/** Monday 2026-03-02 00:00 UTC: every history starts here. */
const START = Date.parse('2026-03-02T00:00:00Z');

/** A small deterministic generator (mulberry32), so every case is the same on every run. */
function seededRandom(seed: number): () => number {
  let value = seed >>> 0;
  return () => {
    value = (value + 0x6d2b79f5) >>> 0;
    let t = value;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A Poisson count (Knuth's method below 30, a rounded normal above). */
function poisson(mean: number, random: () => number): number {
  if (mean >= 30) {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > limit) {
    count++;
    product *= random();
  }
  return count;
}

interface TrafficShape {
  /** First minute, in minutes after {@link START}. */
  fromMinute: number;
  minutes: number;
  /** Mean calls per minute at a minute (minutes after {@link START}). */
  rate: (minute: number) => number;
  seed: number;
  /** Mean response size in bytes (±50 % uniform). */
  bytes?: number;
  /** Share of calls answered 404. */
  errorShare?: number;
  /** Exactly `rate(minute)` calls a minute (rounded) and every (1 / errorShare)-th call failing. */
  exact?: boolean;
}

/** Poisson traffic of one client, calls spread evenly through each minute. */
function traffic(shape: TrafficShape): CaseEvent[] {
  const random = seededRandom(shape.seed);
  const events: CaseEvent[] = [];
  const meanBytes = shape.bytes ?? 20_000;
  const errorShare = shape.errorShare ?? 0;
  let callNumber = 0;
  for (let minute = shape.fromMinute; minute < shape.fromMinute + shape.minutes; minute++) {
    const calls = shape.exact ? Math.round(shape.rate(minute)) : poisson(shape.rate(minute), random);
    for (let call = 0; call < calls; call++) {
      callNumber++;
      const failed = shape.exact
        ? errorShare > 0 && callNumber % Math.round(1 / errorShare) === 0
        : random() < errorShare;
      events.push({
        ts: START + minute * MINUTE_MS + Math.floor(((call + 0.5) * MINUTE_MS) / calls),
        ip: CLIENT_IP,
        method: 'GET',
        status: failed ? 404 : 200,
        bytesOut: failed ? 120 : Math.round(meanBytes * (0.5 + random())),
      });
    }
  }
  return events;
}

/** `count` calls starting at `fromMs`, `spacingMs` apart. */
function burst(
  fromMs: number,
  count: number,
  spacingMs: number,
  fields: Partial<CaseEvent> = {},
): CaseEvent[] {
  return Array.from({ length: count }, (_, call) => ({
    ts: fromMs + call * spacingMs,
    ip: OTHER_IP,
    method: 'GET',
    status: 200,
    bytesOut: 20_000,
    ...fields,
  }));
}

/**
 * Two days and six hours of a settled machine client: 5 and 6 calls in alternate minutes, about
 * 20 kB each, one call in 200 failing. Regular, so the minute a burst is first reported is certain.
 */
const settledKey = traffic({
  fromMinute: 0,
  minutes: SETTLED_MINUTES,
  rate: (minute) => (minute % 2 === 0 ? 5 : 6),
  exact: true,
  seed: 1,
  errorShare: 0.005,
});
/** Wednesday 06:00 UTC, the minute after the settled history (past the two days of learning). */
const afterSettled = START + SETTLED_MINUTES * MINUTE_MS;

function timeOf(event: CaseEvent): number {
  return typeof event.ts === 'number' ? event.ts : Date.parse(event.ts);
}

/** The settled key plus, every two hours, one call returning a 400 kB export. */
const exportingKey = [
  ...settledKey,
  ...Array.from({ length: Math.floor(SETTLED_MINUTES / 120) }, (_, index) =>
    burst(START + (index * 120 + 60) * MINUTE_MS + 30_000, 1, 0, { bytesOut: 400_000 }),
  ).flat(),
].sort((left, right) => timeOf(left) - timeOf(right));

/** A busy key: 40 calls a minute for two days, then a whole day at 1.6 times that, smoothly. */
const busierDay = [
  ...traffic({ fromMinute: 0, minutes: 2 * DAY_MINUTES, rate: () => 40, seed: 2 }),
  ...traffic({ fromMinute: 2 * DAY_MINUTES, minutes: DAY_MINUTES, rate: () => 64, seed: 3 }),
];

/**
 * Nine days of a key in Berlin (UTC+1 in early March) that runs about 5 calls a minute, and 60 a
 * minute from 09:00 to 10:00 local (08:00–09:00 UTC) every day; the ninth day's peak is the last.
 */
const dailyPeak = traffic({
  fromMinute: 0,
  minutes: 8 * DAY_MINUTES + 9 * 60 + 30,
  rate: (minute) => (Math.floor((minute % DAY_MINUTES) / 60) === 8 ? 60 : 5),
  seed: 4,
});

/** A noisy key: each minute at 0–60 calls (mean 30, spread far beyond a Poisson count's). */
const noisyKey = traffic({
  fromMinute: 0,
  minutes: SETTLED_MINUTES,
  rate: (minute) => ((minute * 7919) % 61) * 1,
  seed: 5,
});

/**
 * Named sequences with the expected outcome of their LAST event (see `detectors/cases-runner.ts`).
 * The fire cases end on the call at which the burst is first reported; the tests also follow each
 * burst to the end of its minute and check the strongest score it reached.
 */
export const usageSpikeCases: DetectorCase<UsageSpikeConfig>[] = [
  {
    // 5.5 expected: the 26th call of the minute is the first 20 above it; 26 is ≈ 4.7× → medium.
    name: 'a settled key making 26 calls in one minute (4.7× its 5.5) is reported at medium',
    expect: 'fire',
    minScore: 0.5,
    maxScore: 0.7,
    events: [...settledKey, ...burst(afterSettled + 5 * MINUTE_MS, 26, 1_000)],
  },
  {
    name: 'a burst that starts 40 s into a minute is reported within that same minute',
    expect: 'fire',
    minScore: 0.5,
    events: [...settledKey, ...burst(afterSettled + 5 * MINUTE_MS + 40_000, 26, 500)],
  },
  {
    // Usual ≈ 110 kB a minute; three ordinary calls, the third returning 2.2 MB: ≈ 20× in bytes only.
    name: 'bytes-only exfiltration: normal call count, 20× the usual bytes in one minute, is high',
    expect: 'fire',
    minScore: 0.7,
    events: [
      ...settledKey,
      ...burst(afterSettled + 5 * MINUTE_MS, 2, 10_000),
      ...burst(afterSettled + 5 * MINUTE_MS + 20_000, 1, 0, { bytesOut: 2_200_000 }),
    ],
  },
  {
    // < 1 % errors usually: the 11th 401 of the minute is the first 10 above the expected 0.03.
    name: 'a burst of 401s on a key with under 1 % errors is high by its 11th failure',
    expect: 'fire',
    minScore: 0.7,
    events: [...settledKey, ...burst(afterSettled + 5 * MINUTE_MS, 11, 2_000, { status: 401, bytesOut: 90 })],
  },
  {
    // The first minute (6 failures) stays under the floor of 10; it must not become the "recent
    // peak" that the next minute's 11 failures are compared with.
    name: 'an error burst that ramps up (6 failures, then 11 the next minute) is high by its second minute',
    expect: 'fire',
    minScore: 0.7,
    events: [
      ...settledKey,
      ...burst(afterSettled + 5 * MINUTE_MS, 6, 5_000, { status: 401, bytesOut: 90 }),
      ...burst(afterSettled + 6 * MINUTE_MS, 11, 2_000, { status: 403, bytesOut: 90 }),
    ],
  },
  {
    // Its largest minutes carry about 510 kB; 1.3 MB is 2.6× that: within bytesPeakFactor (3).
    name: 'a key that exports 400 kB every two hours sending 1.2 MB once is informational at most',
    expect: 'quiet',
    maxScore: 0.45,
    events: [...exportingKey, ...burst(afterSettled + 5 * MINUTE_MS, 1, 0, { bytesOut: 1_200_000 })],
  },
  {
    name: 'steady traffic of a settled key stays quiet',
    expect: 'quiet',
    events: [
      ...settledKey,
      ...traffic({ fromMinute: SETTLED_MINUTES, minutes: 60, rate: () => 5.5, seed: 6, errorShare: 0.005 }),
    ],
  },
  {
    name: 'a busier day than usual (1.6× all day, smooth) raises nothing',
    expect: 'quiet',
    events: busierDay,
  },
  {
    name: 'a new key’s first burst is informational at most (learning)',
    expect: 'quiet',
    maxScore: 0.45,
    events: [
      ...traffic({ fromMinute: 0, minutes: 120, rate: () => 5, seed: 7 }),
      ...burst(START + 125 * MINUTE_MS, 200, 250),
    ],
  },
  {
    name: 'the daily peak at its usual hour (60 a minute against 5) is expected once the rhythm is known',
    expect: 'quiet',
    timezone: 'Europe/Berlin',
    events: dailyPeak,
  },
  {
    name: 'three times the mean on a noisy key is not reported as medium',
    expect: 'quiet',
    maxScore: 0.49,
    events: [...noisyKey, ...burst(afterSettled + 5 * MINUTE_MS, 90, 600)],
  },
  {
    // The floor of 20 extra calls keeps low-volume keys quiet even at many times their rate.
    name: 'a key that usually makes 1 call a minute making 15 stays quiet (under the absolute floor)',
    expect: 'quiet',
    events: [
      ...traffic({ fromMinute: 0, minutes: SETTLED_MINUTES, rate: () => 1, seed: 8 }),
      ...burst(afterSettled + 5 * MINUTE_MS, 15, 2_000),
    ],
  },
];
