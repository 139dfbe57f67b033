import type { CaseEvent, DetectorCase } from '../cases-runner.js';
import type { OddHoursConfig } from './config.js';

const MS_PER_DAY = 86_400_000;
const OFFICE_IP = '198.51.100.20';
const OTHER_IP = '203.0.113.77';

/**
 * Events at `minutes` past every local hour that `isActive(day, hour)` accepts (day 0 = Sunday), on
 * `days` consecutive dates from `firstDate`, written with a fixed UTC `offset` (so a history must
 * not cross a daylight-saving change of its zone).
 */
function history(
  firstDate: string,
  days: number,
  isActive: (day: number, hour: number) => boolean,
  offset = 'Z',
  minutes: readonly number[] = [15, 45],
): CaseEvent[] {
  const events: CaseEvent[] = [];
  const start = Date.parse(`${firstDate}T00:00:00Z`);
  for (let index = 0; index < days; index += 1) {
    const date = new Date(start + index * MS_PER_DAY);
    const isoDate = date.toISOString().slice(0, 10);
    for (let hour = 0; hour < 24; hour += 1) {
      if (!isActive(date.getUTCDay(), hour)) continue;
      for (const minute of minutes) {
        const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00`;
        events.push({ ts: `${isoDate}T${time}${offset}`, ip: OFFICE_IP });
      }
    }
  }
  return events;
}

const isOfficeHour = (day: number, hour: number) => day >= 1 && day <= 5 && hour >= 8 && hour < 18;
const isBatchHour = (_day: number, hour: number) => hour === 1 || hour === 2;

/** Mon–Fri 08:00–18:00 UTC for six weeks: Mon 2026-01-05 … Fri 2026-02-13. */
const officeSixWeeks = history('2026-01-05', 40, isOfficeHour);
/** 01:00–03:00 UTC every day for six weeks. */
const nightlyBatch = history('2026-01-05', 42, isBatchHour, 'Z', [5, 35]);
/** Every hour, day and night, for three weeks. */
const serverBot = history('2026-01-05', 21, () => true, 'Z', [0, 20, 40]);
/** Mon–Fri 08:00–18:00 in Berlin (UTC+1, winter time) for six weeks, ending Fri 2026-03-27. */
const berlinOfficeWinter = history('2026-02-16', 40, isOfficeHour, '+01:00');

/**
 * Named sequences with the expected outcome of their last event. Scores quoted in names are the
 * calibration targets of the README.
 */
export const oddHoursCases: DetectorCase<OddHoursConfig>[] = [
  {
    name: 'an office-hours key used on Sunday at 03:00 fires at medium (~0.6)',
    expect: 'fire',
    minScore: 0.5,
    maxScore: 0.7,
    events: [...officeSixWeeks, { ts: '2026-02-15T03:10:00Z', ip: OTHER_IP }],
  },
  {
    name: 'an office-hours key used on a weekday at 03:00 fires near 0.5',
    expect: 'fire',
    minScore: 0.4,
    maxScore: 0.6,
    events: [...officeSixWeeks, { ts: '2026-02-17T03:10:00Z', ip: OTHER_IP }],
  },
  {
    name: 'an office-hours key used on Saturday at 11:00 is informational (~0.3)',
    expect: 'fire',
    minScore: 0.2,
    maxScore: 0.4,
    events: [...officeSixWeeks, { ts: '2026-02-14T11:10:00Z', ip: OTHER_IP }],
  },
  {
    name: 'a nightly batch key used in the afternoon fires (~0.45)',
    expect: 'fire',
    minScore: 0.4,
    maxScore: 0.55,
    events: [...nightlyBatch, { ts: '2026-02-17T14:00:00Z', ip: OTHER_IP }],
  },
  {
    name: 'use outside declared business hours fires even at an hour the key often uses',
    expect: 'fire',
    minScore: 0.5,
    policy: { businessHours: { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 } },
    events: [
      ...history('2026-01-05', 21, (day, hour) => day >= 1 && day <= 5 && hour >= 8 && hour < 21),
      { ts: '2026-01-27T19:30:00Z', ip: OFFICE_IP },
    ],
  },
  {
    name: 'a Berlin office key used on Sunday at 03:00 local after the switch to summer time fires',
    expect: 'fire',
    minScore: 0.5,
    timezone: 'Europe/Berlin',
    events: [...berlinOfficeWinter, { ts: '2026-03-29T03:10:00+02:00', ip: OTHER_IP }],
  },
  {
    name: 'a 24/7 server bot stays quiet at 04:00',
    expect: 'quiet',
    events: [...serverBot, { ts: '2026-01-26T04:10:00Z', ip: OFFICE_IP }],
  },
  {
    name: 'a 24/7 server bot stays quiet on a Sunday at 15:00',
    expect: 'quiet',
    events: [...serverBot, { ts: '2026-02-01T15:10:00Z', ip: OFFICE_IP }],
  },
  {
    name: 'an office-hours key at 09:00 on a weekday stays quiet',
    expect: 'quiet',
    events: [...officeSixWeeks, { ts: '2026-02-17T09:05:00Z', ip: OFFICE_IP }],
  },
  {
    name: 'an office-hours key at 17:30 on a weekday stays quiet',
    expect: 'quiet',
    events: [...officeSixWeeks, { ts: '2026-02-17T17:30:00Z', ip: OFFICE_IP }],
  },
  {
    name: 'an office-hours key at 19:00, next to its usual hours, stays quiet',
    expect: 'quiet',
    events: [...officeSixWeeks, { ts: '2026-02-17T19:10:00Z', ip: OFFICE_IP }],
  },
  {
    name: 'a key with three days of history used at night scores 0.3 at most',
    expect: 'quiet',
    maxScore: 0.3,
    events: [
      ...history('2026-01-05', 3, (_day, hour) => hour >= 8 && hour < 18),
      { ts: '2026-01-08T03:10:00Z', ip: OTHER_IP },
    ],
  },
  {
    name: 'a Berlin office key learned in winter time stays quiet at 09:00 local after the switch to summer time',
    expect: 'quiet',
    timezone: 'Europe/Berlin',
    events: [...berlinOfficeWinter, { ts: '2026-03-31T09:05:00+02:00', ip: OFFICE_IP }],
  },
  {
    name: 'use on Saturday inside declared Mon–Sat business hours scores 0.15 at most',
    expect: 'quiet',
    maxScore: 0.15,
    policy: { businessHours: { days: [1, 2, 3, 4, 5, 6], startHour: 8, endHour: 18 } },
    events: [...officeSixWeeks, { ts: '2026-02-14T11:10:00Z', ip: OFFICE_IP }],
  },
];
