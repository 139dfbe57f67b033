import { cellLabel, DAY_HOURS, HOURS_PER_WEEK } from './hour-of-week.js';
import { formatDays, formatHours } from './week-format.js';

/** A compact, human-readable summary of when a key is usually active (local time). */
export interface UsualHours {
  /** `Mon–Fri 08:00–18:00`, `every day 01:00–03:00`, `not yet known`. */
  summary: string;
  /** `Mon–Fri`, `Mon, Wed, Sat–Sun`, `every day`. */
  days: string;
  /** `08:00–18:00`, `22:00–02:00`, `around the clock`. */
  hours: string;
  /** Up to three busiest hour-of-week cells, e.g. `['Tue 10', 'Wed 10', 'Mon 09']`. */
  busiest: string[];
}

/** A day or hour counts as usual when it holds at least this share of the busiest one's activity. */
const USUAL_SHARE = 0.25;

/**
 * Summarises a dense decayed profile (168 cells) into the days and hours it is usually active.
 *
 * @example summariseUsualHours(officeProfile).summary // 'Mon–Fri 08:00–18:00'
 */
export function summariseUsualHours(weights: Float64Array): UsualHours {
  const dayTotals = new Array<number>(7).fill(0);
  const hourTotals = new Array<number>(DAY_HOURS).fill(0);
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
    const weight = weights[cell] ?? 0;
    dayTotals[Math.floor(cell / DAY_HOURS)]! += weight;
    hourTotals[cell % DAY_HOURS]! += weight;
  }
  const busiestDay = Math.max(...dayTotals);
  if (busiestDay <= 0) return { summary: 'not yet known', days: '', hours: '', busiest: [] };
  const busiestHour = Math.max(...hourTotals);
  const days = formatDays((day) => (dayTotals[day] ?? 0) >= USUAL_SHARE * busiestDay);
  const hours = formatHours((hour) => (hourTotals[hour] ?? 0) >= USUAL_SHARE * busiestHour);
  return { summary: `${days} ${hours}`, days, hours, busiest: busiestCells(weights, 3) };
}

function busiestCells(weights: Float64Array, count: number): string[] {
  const cells: number[] = [];
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) if ((weights[cell] ?? 0) > 0) cells.push(cell);
  return cells
    .sort((a, b) => (weights[b] ?? 0) - (weights[a] ?? 0) || a - b)
    .slice(0, count)
    .map(cellLabel);
}
