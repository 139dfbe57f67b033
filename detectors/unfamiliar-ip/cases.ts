import type { GeoInfo } from '../../src/events/types.js';
import type { CaseEvent, DetectorCase } from '../cases-runner.js';
import type { UnfamiliarIpConfig } from './config.js';

/**
 * Named event sequences for `unfamiliar-ip`; the expectation applies to the last event. Geography
 * is given explicitly (no geoip), so every case is deterministic.
 */

type Place = Pick<GeoInfo, 'country' | 'region' | 'city' | 'lat' | 'lon'>;

const place = (country: string, region: string, city: string, lat: number, lon: number): Place => ({
  country,
  region,
  city,
  lat,
  lon,
});

const BERLIN = place('DE', 'BE', 'Berlin', 52.52, 13.4);
const MUNICH = place('DE', 'BY', 'Munich', 48.14, 11.58);
const NUREMBERG = place('DE', 'BY', 'Nuremberg', 49.45, 11.08);
const VIENNA = place('AT', '9', 'Vienna', 48.21, 16.37);
const SAO_PAULO = place('BR', 'SP', 'São Paulo', -23.55, -46.63);
const BRUSSELS = place('BE', 'BRU', 'Brussels', 50.85, 4.35);
const EUROPE = [
  place('DE', 'BE', 'Berlin', 52.52, 13.4),
  place('FR', 'IDF', 'Paris', 48.86, 2.35),
  place('NL', 'NH', 'Amsterdam', 52.37, 4.9),
  place('PL', '14', 'Warsaw', 52.23, 21.01),
  place('CZ', '10', 'Prague', 50.08, 14.43),
  place('IT', '25', 'Milan', 45.46, 9.19),
  place('CH', 'ZH', 'Zurich', 47.37, 8.54),
];

const START = Date.parse('2026-02-02T08:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Event time `day` days and `hour` hours after the start of every case. */
const at = (day: number, hour = 0) => START + day * DAY + hour * HOUR;

/**
 * `perDay` events a day for `days` days from `fromDay`, from a few addresses of one /24, as a
 * service running in one place would produce.
 */
function steady(
  geo: Place,
  network: string,
  options: { fromDay?: number; days?: number; perDay?: number; keyId?: string; orgId?: string } = {},
): CaseEvent[] {
  const { fromDay = 0, days = 20, perDay = 8, keyId, orgId } = options;
  const events: CaseEvent[] = [];
  for (let day = 0; day < days; day++) {
    for (let index = 0; index < perDay; index++) {
      const event: CaseEvent = {
        ts: at(fromDay + day, 9 + index),
        ip: `${network}.${10 + (index % 3)}`,
        geo,
      };
      if (keyId !== undefined) event.keyId = keyId;
      if (orgId !== undefined) event.orgId = orgId;
      events.push(event);
    }
  }
  return events;
}

/** Twenty days of a service in Berlin: 160 events from 85.214.10.10–12. */
const berlinHistory = steady(BERLIN, '85.214.10');

export const unfamiliarIpCases: DetectorCase<UnfamiliarIpConfig>[] = [
  {
    name: 'fires high when a key used from Berlin for weeks is used from Brazil',
    expect: 'fire',
    minScore: 0.85,
    maxScore: 0.95,
    events: [...berlinHistory, { ts: at(20, 3), ip: '200.147.3.9', geo: SAO_PAULO }],
  },
  {
    name: 'fires when a key used from Berlin for weeks is used from neighbouring Austria',
    expect: 'fire',
    minScore: 0.75,
    maxScore: 0.85,
    events: [...berlinHistory, { ts: at(20, 10), ip: '81.217.20.5', geo: VIENNA }],
  },
  {
    name: 'a new country for a key already used from seven countries is discounted but still pages',
    expect: 'fire',
    minScore: 0.5,
    maxScore: 0.65,
    events: [
      ...EUROPE.flatMap((geo, index) => steady(geo, `${80 + index}.10.1`, { fromDay: index * 3, days: 3 })),
      { ts: at(21, 10), ip: '91.183.7.7', geo: BRUSSELS },
    ],
  },
  {
    name: 'a new region of the home country 500 km away is a low finding, not a page',
    expect: 'fire',
    minScore: 0.35,
    maxScore: 0.49,
    events: [...berlinHistory, { ts: at(20, 10), ip: '89.246.1.2', geo: MUNICH }],
  },
  {
    name: 'a new city in a known region is a low finding',
    expect: 'fire',
    minScore: 0.25,
    maxScore: 0.4,
    events: [...steady(MUNICH, '89.246.1'), { ts: at(20, 10), ip: '91.65.3.4', geo: NUREMBERG }],
  },
  {
    name: 'a new network in the known city is a weak finding',
    expect: 'fire',
    minScore: 0.1,
    maxScore: 0.2,
    events: [...berlinHistory, { ts: at(20, 10), ip: '91.64.1.2', geo: BERLIN }],
  },
  {
    name: 'stays quiet for a new address in a known /24',
    expect: 'quiet',
    events: [...berlinHistory, { ts: at(20, 10), ip: '85.214.10.77', geo: BERLIN }],
  },
  {
    name: 'stays quiet for a private address new to the key',
    expect: 'quiet',
    events: [...berlinHistory, { ts: at(20, 10), ip: '10.1.2.3' }],
  },
  {
    name: 'stays quiet for a new country on the allowlist',
    expect: 'quiet',
    policy: { allowCountries: ['BR'] },
    events: [...berlinHistory, { ts: at(20, 3), ip: '200.147.3.9', geo: SAO_PAULO }],
  },
  {
    name: 'stays quiet for a new country inside an allowlisted CIDR',
    expect: 'quiet',
    policy: { allowCidrs: ['200.147.0.0/16'] },
    events: [...berlinHistory, { ts: at(20, 3), ip: '200.147.3.9', geo: SAO_PAULO }],
  },
  {
    name: 'a brand-new key does not page on what it does first, even from another continent',
    expect: 'quiet',
    maxScore: 0.45,
    events: [
      ...steady(BERLIN, '85.214.10', { days: 1, perDay: 5 }),
      { ts: at(0, 15), ip: '200.147.3.9', geo: SAO_PAULO },
    ],
  },
  {
    name: "stays quiet for a new key of a known org used from the org's usual network",
    expect: 'quiet',
    events: [
      ...steady(BERLIN, '85.214.10', { days: 5, keyId: 'k-old', orgId: 'org-1' }),
      { ts: at(5, 10), ip: '85.214.10.200', geo: BERLIN, keyId: 'k-new', orgId: 'org-1' },
    ],
  },
  {
    name: 'fires high when a new key of a known org is first used from a country the org never uses',
    expect: 'fire',
    minScore: 0.75,
    events: [
      ...steady(BERLIN, '85.214.10', { days: 5, keyId: 'k-old', orgId: 'org-1' }),
      { ts: at(5, 10), ip: '200.147.3.9', geo: SAO_PAULO, keyId: 'k-new', orgId: 'org-1' },
    ],
  },
  {
    name: 'stays quiet when a location seen once ten days ago returns',
    expect: 'quiet',
    events: [
      ...steady(BERLIN, '85.214.10', { days: 10 }),
      { ts: at(10, 3), ip: '81.217.20.5', geo: VIENNA },
      ...steady(BERLIN, '85.214.10', { fromDay: 11, days: 9 }),
      { ts: at(20, 10), ip: '81.217.20.5', geo: VIENNA },
    ],
  },
  {
    name: 'the same new country again minutes later is a low reminder, never a second page',
    expect: 'fire',
    minScore: 0.1,
    maxScore: 0.25,
    events: [
      ...berlinHistory,
      { ts: at(20, 3), ip: '200.147.3.9', geo: SAO_PAULO },
      { ts: at(20, 3.1), ip: '200.147.3.9', geo: SAO_PAULO },
    ],
  },
  {
    name: 'a country not seen for longer than the forgetting horizon is new again',
    expect: 'fire',
    minScore: 0.75,
    events: [
      ...steady(VIENNA, '81.217.20', { days: 3 }),
      ...steady(BERLIN, '85.214.10', { fromDay: 3, days: 40 }),
      { ts: at(43, 10), ip: '81.217.20.5', geo: VIENNA },
    ],
  },
];
