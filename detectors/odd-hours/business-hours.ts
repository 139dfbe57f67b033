import type { BusinessHours } from '../types.js';
import { dayOfCell, hourOfCell } from './hour-of-week.js';
import { formatDays, formatHours } from './week-format.js';

/**
 * Whether a local hour-of-week cell lies inside declared business hours. Hours are [start, end);
 * `start > end` is an overnight shift (22–06) counted on the calendar day of each hour, and
 * `start === end` means the whole day.
 */
export function isWithinBusinessHours(businessHours: BusinessHours, cell: number): boolean {
  if (!businessHours.days.includes(dayOfCell(cell))) return false;
  return isBusinessHour(businessHours, hourOfCell(cell));
}

/** `Mon–Fri 09:00–17:00`. */
export function describeBusinessHours(businessHours: BusinessHours): string {
  const days = formatDays((day) => businessHours.days.includes(day));
  return `${days} ${formatHours((hour) => isBusinessHour(businessHours, hour))}`;
}

function isBusinessHour({ startHour, endHour }: BusinessHours, hour: number): boolean {
  if (startHour === endHour) return true;
  if (startHour < endHour) return hour >= startHour && hour < endHour;
  return hour >= startHour || hour < endHour;
}
