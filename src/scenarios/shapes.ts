import type { LocalClock } from './local-time.js';

/** Relative activity at a local time: 1 is a stream's nominal rate, 0 is silence. */
export type Shape = (clock: LocalClock) => number;

/** Office activity by local hour: ramps up at 8, lunch dip, winds down by 18. */
const OFFICE_CURVE: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0, 0.04, 0.55, 1, 1, 0.95, 0.65, 0.85, 1, 0.95, 0.85, 0.55, 0.12, 0.03, 0.01, 0, 0, 0,
];

/** Sales and field apps: a longer day and a little weekend use. */
const FIELD_CURVE: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0.02, 0.15, 0.6, 0.9, 1, 1, 0.8, 0.9, 1, 1, 0.9, 0.7, 0.4, 0.25, 0.15, 0.08, 0.03, 0.01,
];

const isWeekday = (weekday: number): boolean => weekday >= 1 && weekday <= 5;

/** Mon–Fri business hours (~08–18 local), nothing at weekends. */
export const officeShape: Shape = (clock) =>
  isWeekday(clock.weekday) ? (OFFICE_CURVE[Math.floor(clock.hour)] ?? 0) : 0;

/** Long business days with light weekend use (users spread over many countries). */
export const fieldShape: Shape = (clock) =>
  (FIELD_CURVE[Math.floor(clock.hour)] ?? 0) * (isWeekday(clock.weekday) ? 1 : 0.1);

/** A job that runs every night from `startHour` for `hours` hours of local time. */
export function nightlyShape(startHour: number, hours: number): Shape {
  return (clock) => (clock.hour >= startHour && clock.hour < startHour + hours ? 1 : 0);
}

/** 24/7 traffic with a daily rhythm: ±`amplitude` around the mean, highest at local `peakHour`. */
export function dailyRhythmShape(amplitude: number, peakHour: number): Shape {
  return (clock) => 1 + amplitude * Math.cos((2 * Math.PI * (clock.hour - peakHour)) / 24);
}

/** Average of a shape over one week of local hours (weekly mean rate per nominal rate). */
export function weeklyMean(shape: Shape): number {
  let total = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++)
      total += shape({ hour: hour + 0.5, weekday, day: 0, offsetMinutes: 0 });
  }
  return total / (7 * 24);
}
