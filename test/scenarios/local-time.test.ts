import { describe, expect, it } from 'vitest';
import { LocalTime } from '../../src/scenarios/local-time.js';

describe('LocalTime', () => {
  const localTime = new LocalTime();

  it('follows the end of EU summer time on 2026-10-25', () => {
    expect(localTime.offsetMinutes('Europe/Berlin', Date.parse('2026-10-25T00:30:00Z'))).toBe(120);
    expect(localTime.offsetMinutes('Europe/Berlin', Date.parse('2026-10-25T01:30:00Z'))).toBe(60);
  });

  it('follows the end of US daylight time on 2026-11-01 and zones with half-hour offsets', () => {
    expect(localTime.offsetMinutes('America/New_York', Date.parse('2026-11-01T05:30:00Z'))).toBe(-240);
    expect(localTime.offsetMinutes('America/New_York', Date.parse('2026-11-01T06:30:00Z'))).toBe(-300);
    expect(localTime.offsetMinutes('Asia/Kolkata', Date.parse('2026-11-01T06:30:00Z'))).toBe(330);
  });

  it('gives the local hour, weekday and date of an instant', () => {
    const clock = localTime.clock('Asia/Tokyo', Date.parse('2026-10-24T16:30:00Z'));
    expect(clock.hour).toBe(1.5);
    expect(clock.weekday).toBe(0); // Sunday 01:30 in Tokyo
    expect(localTime.clock('Asia/Tokyo', Date.parse('2026-10-24T15:10:00Z')).day).toBe(clock.day);
  });

  it('turns a local date and hour back into UTC on both sides of a change', () => {
    const before = localTime.clock('Europe/Paris', Date.parse('2026-10-23T12:00:00Z')).day;
    expect(new Date(localTime.toUtc('Europe/Paris', before, 9)).toISOString()).toBe(
      '2026-10-23T07:00:00.000Z',
    );
    expect(new Date(localTime.toUtc('Europe/Paris', before + 3, 9)).toISOString()).toBe(
      '2026-10-26T08:00:00.000Z',
    );
  });
});
