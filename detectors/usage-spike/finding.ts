import type { DetectorContext, Finding } from '../types.js';
import { expectedPerMinute, expectedSd } from './expectation.js';
import type { UsageSpikePrepared } from './prepare.js';
import { rhythmRate } from './rhythm.js';
import {
  BYTES_OUT,
  COUNT,
  ERRORS,
  MEAN,
  METRICS,
  MINUTE,
  PEAK,
  type RateRhythm,
  REQUESTS,
  type UsageStats,
  VARIANCE,
} from './state.js';

export const USAGE_SPIKE_ID = 'usage-spike';

const SHORT_DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/**
 * Writes the finding for a metric of the minute being counted: title, one plain sentence, and the
 * evidence behind the score (observed against expected, the spread, the baseline it came from).
 */
export function buildUsageSpikeFinding(
  stats: UsageStats,
  rhythm: RateRhythm | undefined,
  metric: number,
  score: number,
  learning: boolean,
  prepared: UsageSpikePrepared,
  ctx: DetectorContext,
): Finding {
  const observed = stats[COUNT + metric]!;
  const expected = expectedPerMinute(stats, rhythm, metric);
  const sd = expectedSd(stats, metric, expected);
  const level = stats[MEAN + metric]!;
  const usualThisHour = rhythm ? rhythmRate(rhythm, metric, rhythm.bucket) : -1;
  const fromRhythm = usualThisHour >= 0 && usualThisHour > level;
  const minuteStart = stats[MINUTE]! * 60_000;
  const timeZone = rhythm?.tz ?? ctx.timezone;
  const hourOfWeek = prepared.localTime.hourOfWeek(minuteStart, timeZone);
  const day = Math.floor(hourOfWeek / 24);
  const localHour = `${twoDigits(hourOfWeek % 24)}:00`;
  const ratio = expected > 0 ? observed / expected : null;
  const z = (observed - expected) / sd;

  const name = METRICS[metric]!;
  const basis = fromRhythm
    ? `its usual rate on ${day === 0 || day === 6 ? 'weekends' : 'weekdays'} at ${localHour} ${timeZone}`
    : learning
      ? 'its level so far'
      : 'its level over recent hours';
  const times = ratio !== null && expected >= 1 ? ` (${formatRatio(ratio)} as much)` : '';
  const learningNote = learning ? ', while the key is still being learned' : '';
  const explanation = `In the minute from ${isoMinute(minuteStart).slice(11, 16)} UTC ${describeObserved(metric, observed, stats)}, against ${formatAmount(metric, expected, true)} a minute expected from ${basis}${times}${learningNote}.`;

  return {
    detector: USAGE_SPIKE_ID,
    score,
    subject: `rate:${name}`,
    title: title(metric, observed, expected),
    explanation,
    evidence: {
      metric: name,
      minute: isoMinute(minuteStart),
      observed,
      expected: significant(expected),
      expectedSd: significant(sd),
      ratio: ratio === null ? null : significant(ratio),
      z: Math.round(z * 100) / 100,
      partialMinute: true,
      ...(metric === ERRORS
        ? {
            errorShare: significant(observed / Math.max(1, stats[COUNT + REQUESTS]!)),
            requests: stats[COUNT + REQUESTS],
          }
        : {}),
      baseline: {
        source: fromRhythm ? 'weekly-rhythm' : 'level',
        levelMean: significant(level),
        levelSd: significant(Math.sqrt(stats[VARIANCE + metric]!)),
        halfLifeMinutes: prepared.halfLifeMinutes,
        usualThisHour: usualThisHour >= 0 ? significant(usualThisHour) : null,
        recentPeak: significant(stats[PEAK + metric]!),
        weeklyRhythm: rhythm !== undefined,
      },
      timezone: timeZone,
      hourOfWeek,
      localHour: `${SHORT_DAY_NAMES[day]} ${twoDigits(hourOfWeek % 24)}`,
      learning,
    },
  };
}

function title(metric: number, observed: number, expected: number): string {
  const usual = `expected ${formatAmount(metric, expected, true)}`;
  if (metric === REQUESTS) return `Request burst: ${observed} calls in one minute (${usual})`;
  if (metric === ERRORS) return `Error burst: ${observed} failed calls in one minute (${usual})`;
  return `Data volume spike: ${formatBytes(observed)} sent in one minute (${usual})`;
}

function describeObserved(metric: number, observed: number, stats: UsageStats): string {
  if (metric === REQUESTS) return `the key made ${observed} calls so far`;
  if (metric === ERRORS) {
    return `the key had ${observed} failed calls out of ${stats[COUNT + REQUESTS]} so far`;
  }
  return `the key’s responses carried ${formatBytes(observed)} so far`;
}

/** `about 6`, `under 1`, `about 1.2 MB`. */
function formatAmount(metric: number, value: number, withAbout = false): string {
  const about = withAbout ? 'about ' : '';
  if (metric === BYTES_OUT) return `${about}${formatBytes(value)}`;
  if (value < 0.5) return 'under 1';
  return `${about}${Math.round(value)}`;
}

function formatRatio(ratio: number): string {
  return ratio >= 10 ? `${Math.round(ratio)} times` : `${Math.round(ratio * 10) / 10} times`;
}

/** Decimal units, three significant digits: `48.2 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${Number(value.toPrecision(3))} ${units[unit]}`;
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString();
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function significant(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
}
