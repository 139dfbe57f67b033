/** Cells of an hour-of-week profile: 0 = Sunday 00:00 … 167 = Saturday 23:00 (local time). */
export const HOURS_PER_WEEK = 168;
export const HOUR_MS = 3_600_000;
export const DAY_HOURS = 24;

export const SHORT_DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export const DAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

/** 1970-01-01 was a Thursday: epoch hour 0 is UTC hour-of-week 4 × 24. */
const EPOCH_HOUR_OF_WEEK = 96;

/** Day of the week of a cell, 0 = Sunday. */
export function dayOfCell(cell: number): number {
  return Math.floor(cell / DAY_HOURS);
}

/** Hour of the day of a cell. */
export function hourOfCell(cell: number): number {
  return cell % DAY_HOURS;
}

/** `9` → `'09'`. */
export function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** `Sun 03`: the short label used in finding subjects and summaries. */
export function cellLabel(cell: number): string {
  return `${SHORT_DAY_NAMES[dayOfCell(cell)]} ${twoDigits(hourOfCell(cell))}`;
}

/** Hour-of-week in UTC of an epoch hour (hours since 1970-01-01T00:00Z). */
export function utcHourOfWeek(epochHour: number): number {
  return (((epochHour + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
}

/** The signed difference `to − from` between two cells, in (−84, 84]. */
export function cellDistance(from: number, to: number): number {
  let shift = (((to - from) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
  if (shift > HOURS_PER_WEEK / 2) shift -= HOURS_PER_WEEK;
  return shift;
}
