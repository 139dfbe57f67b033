import { describe, expect, it } from 'vitest';
import { isIsoWithoutOffset, parseIsoTimestamp } from '../../src/events/iso-timestamp.js';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2026-11-03T09:10:12.000Z', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T09:10:12Z', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T10:10:12+01:00', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T04:10:12.5-05:00', '2026-11-03T09:10:12.500Z'],
    ['2026-11-03T09:10:12.123456789Z', '2026-11-03T09:10:12.123Z'],
    ['2026-11-03T09:10:12.12Z', '2026-11-03T09:10:12.120Z'],
    ['2026-11-03t09:10:12z', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03 09:10:12Z', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T14:40:12+05:30', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T09:10:12-00:00', '2026-11-03T09:10:12.000Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
  ])('reads the common shape %s exactly', (text, iso) => {
    expect(parseIsoTimestamp(text)).toBe(Date.parse(iso));
  });

  it.each([
    ['2026-11-03T09:10Z', '2026-11-03T09:10:00.000Z'],
    ['2026-11-03T10:10:12+0100', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T10:10:12+01', '2026-11-03T09:10:12.000Z'],
    ['2026-11-03T09:10:12,25Z', '2026-11-03T09:10:12.250Z'],
    ['20261103T091012Z', '2026-11-03T09:10:12.000Z'],
    ['20261103T101012+0100', '2026-11-03T09:10:12.000Z'],
  ])('reads the other ISO form %s', (text, iso) => {
    expect(parseIsoTimestamp(text)).toBe(Date.parse(iso));
  });

  it.each([
    ['no offset', '2026-11-03T09:10:12'],
    ['no offset, with fraction', '2026-11-03T09:10:12.000'],
    ['a date only', '2026-11-03'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['February 29 of 1900', '1900-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['day 0', '2026-11-00T00:00:00Z'],
    ['hour 24', '2026-11-03T24:00:00Z'],
    ['minute 60', '2026-11-03T09:60:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['offset minutes 60', '2026-11-03T09:10:12+01:60'],
    ['offset hours 24', '2026-11-03T09:10:12+24:00'],
    ['an empty fraction', '2026-11-03T09:10:12.Z'],
    ['ten fraction digits', '2026-11-03T09:10:12.1234567890Z'],
    ['trailing text', '2026-11-03T09:10:12Zjunk'],
    ['leading space', ' 2026-11-03T09:10:12Z'],
    ['letters in the year', '20x6-11-03T09:10:12Z'],
    ['an RFC 2822 date', 'Tue, 03 Nov 2026 09:10:12 GMT'],
    ['a US date', '11/03/2026 09:10:12 UTC'],
    ['epoch digits', '1793697012000'],
    ['an empty string', ''],
    ['control characters', `${'\u0000'.repeat(16)}:00Z`],
  ])('refuses %s', (_name, text) => {
    expect(parseIsoTimestamp(text)).toBeNaN();
  });

  it('agrees with Date.parse on a sweep of instants and offsets', () => {
    const offsets = ['Z', '+00:00', '+01:00', '-05:00', '+05:45', '-09:30', '+14:00'];
    for (
      let ts = Date.parse('1999-12-31T12:00:00Z');
      ts < Date.parse('2031-01-01T00:00:00Z');
      ts += 7_654_321_987
    ) {
      for (const offset of offsets) {
        const base = new Date(ts).toISOString().slice(0, 23);
        const text = `${base}${offset}`;
        expect(parseIsoTimestamp(text), text).toBe(Date.parse(text));
      }
    }
  });
});

describe('parseIsoTimestamp on a stream of events', () => {
  it('reads timestamps of the same minute and of other minutes in any mix exactly', () => {
    const minutes = ['2026-11-03T09:10', '2026-11-03T09:11', '2026-12-31T23:59', '2024-02-29T00:00'];
    const tails = [':00Z', ':59.999Z', ':07.5+01:00', ':30-09:30', ':12.123456Z', ':45z'];
    for (let i = 0; i < 500; i++) {
      const text = `${minutes[(i * 7) % 4]}${tails[(i * 5) % 6]}`;
      expect(parseIsoTimestamp(text), text).toBe(Date.parse(text));
    }
  });

  it('refuses a bad second, fraction or offset right after a valid timestamp of the same minute', () => {
    expect(parseIsoTimestamp('2026-11-03T09:10:12Z')).toBe(Date.parse('2026-11-03T09:10:12Z'));
    for (const text of [
      '2026-11-03T09:10:60Z',
      '2026-11-03T09:10:1xZ',
      '2026-11-03T09:10:12.Z',
      '2026-11-03T09:10:12+24:00',
      '2026-11-03T09:10:12+01:60',
      '2026-11-03T09:10:12',
      '2026-11-03T09:10:12Zjunk',
    ]) {
      expect(parseIsoTimestamp(text), text).toBeNaN();
    }
    expect(parseIsoTimestamp('2026-11-03T09:10:12+0100')).toBe(Date.parse('2026-11-03T08:10:12Z'));
  });

  it('refuses an invalid date even when the minute before was valid', () => {
    expect(parseIsoTimestamp('2026-02-28T09:10:12Z')).toBe(Date.parse('2026-02-28T09:10:12Z'));
    expect(parseIsoTimestamp('2026-02-29T09:10:12Z')).toBeNaN();
    expect(parseIsoTimestamp('2026-02-28T09:10:13Z')).toBe(Date.parse('2026-02-28T09:10:13Z'));
  });
});

describe('isIsoWithoutOffset', () => {
  it('recognises a local date-time so the rejection can say what is missing', () => {
    expect(isIsoWithoutOffset('2026-11-03T09:10:12')).toBe(true);
    expect(isIsoWithoutOffset('2026-11-03 09:10:12.123')).toBe(true);
    expect(isIsoWithoutOffset('2026-11-03T09:10:12Z')).toBe(false);
    expect(isIsoWithoutOffset('yesterday')).toBe(false);
  });
});
