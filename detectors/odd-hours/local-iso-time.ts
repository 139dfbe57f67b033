import { twoDigits } from './hour-of-week.js';

/**
 * ISO-8601 local time with the zone's offset, e.g. `2026-03-01T03:12:00.000+01:00`.
 *
 * @example localIsoTime(Date.parse('2026-03-01T02:12:00Z'), 60) // '2026-03-01T03:12:00.000+01:00'
 */
export function localIsoTime(ts: number, offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const offset = `${sign}${twoDigits(Math.floor(absolute / 60))}:${twoDigits(absolute % 60)}`;
  return `${new Date(ts + offsetMinutes * 60_000).toISOString().slice(0, 23)}${offset}`;
}
