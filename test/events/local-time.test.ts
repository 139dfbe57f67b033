import { describe, expect, it } from 'vitest';
import { createLocalTimeResolver, isValidTimeZone } from '../../src/events/local-time.js';

const utc = (iso: string) => Date.parse(iso);

describe('createLocalTimeResolver', () => {
  const local = createLocalTimeResolver();

  it.each([
    ['2026-11-01T00:00:00Z', 'UTC', 0], // Sunday 00:00
    ['2026-11-07T23:59:59Z', 'UTC', 167], // Saturday 23:00
    ['2026-11-03T09:10:12Z', 'Europe/Berlin', 2 * 24 + 10], // Tuesday 10:10 CET
    ['2026-11-03T09:10:12Z', 'America/New_York', 2 * 24 + 4], // Tuesday 04:10 EST
    ['2026-11-03T09:10:12Z', 'Asia/Kolkata', 2 * 24 + 14], // Tuesday 14:40 IST (+05:30)
    ['2026-11-03T09:10:12Z', 'Asia/Kathmandu', 2 * 24 + 14], // Tuesday 14:55 (+05:45)
    ['2026-11-03T20:00:00Z', 'Pacific/Kiritimati', 3 * 24 + 10], // Wednesday 10:00 (+14)
    ['2026-11-01T03:00:00Z', 'America/Los_Angeles', 6 * 24 + 20], // Saturday 20:00 PDT
  ])('puts %s in %s at hour-of-week %i', (iso, zone, hour) => {
    expect(local.hourOfWeek(utc(iso), zone)).toBe(hour);
  });

  it('follows Europe/Berlin into summer time on 2026-03-29 at 01:00 UTC', () => {
    expect(local.utcOffsetMinutes(utc('2026-03-29T00:59:59.999Z'), 'Europe/Berlin')).toBe(60);
    expect(local.localHour(utc('2026-03-29T00:59:59.999Z'), 'Europe/Berlin')).toBe(1);
    expect(local.utcOffsetMinutes(utc('2026-03-29T01:00:00.000Z'), 'Europe/Berlin')).toBe(120);
    expect(local.localHour(utc('2026-03-29T01:00:00.000Z'), 'Europe/Berlin')).toBe(3);
    expect(local.localDay(utc('2026-03-29T01:00:00.000Z'), 'Europe/Berlin')).toBe(0);
  });

  it('follows America/New_York back to standard time on 2026-11-01 at 06:00 UTC', () => {
    expect(local.utcOffsetMinutes(utc('2026-11-01T05:59:59.999Z'), 'America/New_York')).toBe(-240);
    expect(local.localHour(utc('2026-11-01T05:59:59.999Z'), 'America/New_York')).toBe(1);
    expect(local.utcOffsetMinutes(utc('2026-11-01T06:00:00.000Z'), 'America/New_York')).toBe(-300);
    // The 01:00 local hour happens twice.
    expect(local.localHour(utc('2026-11-01T06:00:00.000Z'), 'America/New_York')).toBe(1);
    expect(local.hourOfWeek(utc('2026-11-01T06:30:00.000Z'), 'America/New_York')).toBe(1);
  });

  it('is exact in an hour where the offset changes at the half hour (Lord Howe Island)', () => {
    // 2026-10-04 02:00 local standard time (+10:30) is 2026-10-03T15:30Z; then +11:00.
    expect(local.utcOffsetMinutes(utc('2026-10-03T15:29:59Z'), 'Australia/Lord_Howe')).toBe(630);
    expect(local.utcOffsetMinutes(utc('2026-10-03T15:30:00Z'), 'Australia/Lord_Howe')).toBe(660);
    expect(local.utcOffsetMinutes(utc('2026-10-03T15:10:00Z'), 'Australia/Lord_Howe')).toBe(630);
  });

  it('matches Intl for every hour of a year in several zones', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Tokyo', 'America/Santiago'];
    const weekday = new Map(
      ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].map((day, index) => [day, index]),
    );
    for (const timeZone of zones) {
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        weekday: 'short',
        hour: 'numeric',
        hourCycle: 'h23',
      });
      for (let ts = utc('2026-01-01T00:17:00Z'); ts < utc('2027-01-01T00:00:00Z'); ts += 3_600_000) {
        const parts = format.formatToParts(ts);
        const day = weekday.get(parts.find((part) => part.type === 'weekday')!.value)!;
        const hour = Number(parts.find((part) => part.type === 'hour')!.value);
        expect(local.hourOfWeek(ts, timeZone), `${timeZone} ${new Date(ts).toISOString()}`).toBe(
          day * 24 + hour,
        );
      }
    }
  });

  it('reads an unknown zone as UTC', () => {
    const ts = utc('2026-11-03T09:10:12Z');
    expect(local.hourOfWeek(ts, 'Mars/Olympus_Mons')).toBe(local.hourOfWeek(ts, 'UTC'));
    expect(local.utcOffsetMinutes(ts, '')).toBe(0);
  });

  it('keeps answering correctly when its cache overflows', () => {
    const tiny = createLocalTimeResolver({ cacheSize: 3 });
    for (let ts = utc('2026-03-28T00:00:00Z'); ts < utc('2026-03-31T00:00:00Z'); ts += 1_800_000) {
      expect(tiny.utcOffsetMinutes(ts, 'Europe/Berlin')).toBe(ts < utc('2026-03-29T01:00:00Z') ? 60 : 120);
    }
  });

  it('handles times before 1970', () => {
    expect(local.hourOfWeek(utc('1969-12-28T00:00:00Z'), 'UTC')).toBe(0); // a Sunday
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['UTC', true],
    ['Etc/GMT+5', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    ['Europe/Berlin; DROP TABLE', false],
  ])('says %s is %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});
