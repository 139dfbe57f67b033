import { describe, expect, it } from 'vitest';
import { describeBusinessHours, isWithinBusinessHours } from './business-hours.js';
import { formatDays, formatHours } from './week-format.js';

describe('week formatting', () => {
  it.each([
    [[1, 2, 3, 4, 5], 'Mon–Fri'],
    [[0, 6], 'Sat–Sun'],
    [[1, 3, 5], 'Mon, Wed, Fri'],
    [[0, 1, 2, 3, 4, 5, 6], 'every day'],
    [[0, 1], 'Mon, Sun'],
  ])('writes the days %j as %s', (days, text) => {
    expect(formatDays((day) => days.includes(day))).toBe(text);
  });

  it.each([
    [[8, 9, 10, 11, 12, 13, 14, 15, 16, 17], '08:00–18:00'],
    [[22, 23, 0, 1], '22:00–02:00'],
    [[1, 2, 14], '01:00–03:00, 14:00–15:00'],
    [[23], '23:00–00:00'],
    [Array.from({ length: 24 }, (_, hour) => hour), 'around the clock'],
  ])('writes the hours %j as %s', (hours, text) => {
    expect(formatHours((hour) => hours.includes(hour))).toBe(text);
  });
});

describe('business hours', () => {
  const office = { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };
  const nightShift = { days: [1, 2, 3, 4, 5], startHour: 22, endHour: 6 };

  it('contain their start hour and exclude their end hour', () => {
    expect(isWithinBusinessHours(office, 1 * 24 + 9)).toBe(true);
    expect(isWithinBusinessHours(office, 1 * 24 + 16)).toBe(true);
    expect(isWithinBusinessHours(office, 1 * 24 + 17)).toBe(false);
    expect(isWithinBusinessHours(office, 0 * 24 + 10)).toBe(false);
  });

  it('wrap past midnight for a night shift, on the calendar day of each hour', () => {
    expect(isWithinBusinessHours(nightShift, 2 * 24 + 23)).toBe(true);
    expect(isWithinBusinessHours(nightShift, 2 * 24 + 3)).toBe(true);
    expect(isWithinBusinessHours(nightShift, 2 * 24 + 12)).toBe(false);
    expect(describeBusinessHours(nightShift)).toBe('Mon–Fri 22:00–06:00');
  });

  it('are described as people write them', () => {
    expect(describeBusinessHours(office)).toBe('Mon–Fri 09:00–17:00');
    expect(describeBusinessHours({ days: [6], startHour: 0, endHour: 24 })).toBe('Sat around the clock');
  });
});
