import { DAY_HOURS, SHORT_DAY_NAMES, twoDigits } from './hour-of-week.js';

/** Days in display order: the working week first. */
const DISPLAY_DAY_ORDER = [1, 2, 3, 4, 5, 6, 0];

/**
 * A set of days as people write it: `Mon–Fri`, `Mon, Wed, Sat–Sun`, `every day`.
 *
 * @example formatDays((day) => day >= 1 && day <= 5) // 'Mon–Fri'
 */
export function formatDays(includes: (day: number) => boolean): string {
  const flags = DISPLAY_DAY_ORDER.map(includes);
  if (flags.every(Boolean)) return 'every day';
  return runs(flags, false)
    .map(([start, end]) => {
      const first = SHORT_DAY_NAMES[DISPLAY_DAY_ORDER[start]!];
      return start === end ? first : `${first}–${SHORT_DAY_NAMES[DISPLAY_DAY_ORDER[end]!]}`;
    })
    .join(', ');
}

/**
 * A set of hours of the day as ranges with exclusive ends, across midnight where needed:
 * `08:00–18:00`, `22:00–02:00`, `around the clock`.
 *
 * @example formatHours((hour) => hour >= 8 && hour < 18) // '08:00–18:00'
 */
export function formatHours(includes: (hour: number) => boolean): string {
  const flags = Array.from({ length: DAY_HOURS }, (_, hour) => includes(hour));
  if (flags.every(Boolean)) return 'around the clock';
  return runs(flags, true)
    .map(([start, end]) => `${twoDigits(start)}:00–${twoDigits((end + 1) % DAY_HOURS)}:00`)
    .join(', ');
}

/**
 * Runs of consecutive `true` as [start, end] index pairs; with `cyclic`, a run that ends at the
 * last index continues at index 0 (22:00–02:00).
 */
function runs(flags: readonly boolean[], cyclic: boolean): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  let start = -1;
  flags.forEach((flag, index) => {
    if (flag && start < 0) start = index;
    if (!flag && start >= 0) {
      found.push([start, index - 1]);
      start = -1;
    }
  });
  if (start >= 0) found.push([start, flags.length - 1]);
  const first = found[0];
  const last = found[found.length - 1];
  if (cyclic && found.length > 1 && first && last && first[0] === 0 && last[1] === flags.length - 1) {
    found.shift();
    last[1] = first[1];
  }
  return found;
}
