import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { createGeoLookup, geoDistanceKm, NO_GEO } from '../../src/enrich/geo.js';
import { parseIp } from '../../src/enrich/network.js';

describe('createGeoLookup (geoip-lite)', () => {
  const geo = createGeoLookup({ cacheSize: 1000 });

  it('places 8.8.8.8 in the US', () => {
    expect(geo('8.8.8.8')).toMatchObject({ country: 'US', timezone: 'America/Chicago' });
  });

  it('places 81.2.69.160 in Great Britain with a city and coordinates', () => {
    const place = geo('81.2.69.160');
    expect(place.country).toBe('GB');
    expect(place.region).toBe('ENG');
    expect(typeof place.city).toBe('string');
    expect(place.lat).toBeCloseTo(52.2, 0);
    expect(place.lon).toBeCloseTo(0.5, 0);
    expect(place.timezone).toBe('Europe/London');
  });

  it('reports empty database values as null', () => {
    // 8.8.8.8 has a country but no region or city in the database.
    expect(geo('8.8.8.8')).toMatchObject({ region: null, city: null });
  });

  it('looks up IPv6 and IPv4-mapped addresses', () => {
    expect(geo('2a00:1450:4001:82a::200e').country).toBe('DE');
    expect(geo('::ffff:81.2.69.160')).toEqual(geo('81.2.69.160'));
    expect(geo(parseIp('8.8.8.8')!).country).toBe('US');
  });

  it.each([
    '10.1.2.3',
    '192.168.1.1',
    '172.16.5.4',
    '100.64.0.1',
    '127.0.0.1',
    '169.254.169.254',
    '203.0.113.7',
    '198.51.100.1',
    '192.0.2.1',
    '224.0.0.1',
    '::1',
    'fe80::1',
    'fd00::1',
    '2001:db8::1',
    'not an ip',
  ])('returns no geography for %s', (ip) => {
    expect(geo(ip)).toBe(NO_GEO);
  });

  it('returns the same frozen object for a cached address', () => {
    const first = geo('81.2.69.160');
    expect(geo('81.2.69.160')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('answers another address of a range it has looked up without asking the database again', () => {
    const database = createRequire(import.meta.url)('geoip-lite') as { lookup: (ip: unknown) => unknown };
    const fresh = createGeoLookup({ cacheSize: 100 });
    const spy = vi.spyOn(database, 'lookup');
    try {
      // The database holds 81.2.68.0–81.2.69.255 as one range (Newmarket, GB).
      const first = fresh('81.2.69.160');
      expect(fresh('81.2.69.7')).toBe(first);
      expect(spy).toHaveBeenCalledTimes(1);
      // Same range, another /24: looked up once more, with the same answer.
      expect(fresh('81.2.68.1')).toEqual(first);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('gives every address of a range the answer the database gives it', () => {
    const fresh = createGeoLookup({ cacheSize: 100 });
    const database = createRequire(import.meta.url)('geoip-lite') as {
      lookup: (ip: string) => { country: string; city: string } | null;
    };
    for (let host = 0; host < 256; host += 5) {
      for (const network of ['81.2.69', '8.8.8', '1.0.0', '62.30.112']) {
        const address = `${network}.${host}`;
        const expected = database.lookup(address);
        expect(fresh(address).country).toBe(expected?.country || null);
        expect(fresh(address).city).toBe(expected?.city || null);
      }
    }
  });

  it('keeps a bounded cache: old addresses are looked up again, recent ones are not', () => {
    const database = createRequire(import.meta.url)('geoip-lite') as { lookup: (ip: unknown) => unknown };
    const small = createGeoLookup({ cacheSize: 50 });
    const spy = vi.spyOn(database, 'lookup');
    try {
      const first = small('81.2.69.160');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(small('81.2.69.160')).toBe(first);
      expect(spy).toHaveBeenCalledTimes(1);
      // Addresses of 500 other /24s, far more than 50 entries: each needs the database.
      const octets = [62, 85, 91, 185, 212];
      for (let i = 0; i < 500; i++) small(`${octets[i % 5]}.${Math.floor(i / 5)}.${i % 251}.9`);
      expect(spy).toHaveBeenCalledTimes(501);
      expect(small('81.2.69.160')).toEqual(first);
      expect(spy).toHaveBeenCalledTimes(502);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('geoDistanceKm', () => {
  it.each([
    ['London → Paris', [51.5074, -0.1278, 48.8566, 2.3522], 343.5],
    ['New York → Los Angeles', [40.7128, -74.006, 34.0522, -118.2437], 3935.7],
    ['Sydney → Santiago', [-33.8688, 151.2093, -33.4489, -70.6693], 11_350],
    ['a point to itself', [52.2, 0.48, 52.2, 0.48], 0],
    ['pole to pole', [90, 0, -90, 0], 20_015.1],
  ])('measures %s', (_name, [lat1, lon1, lat2, lon2], km) => {
    expect(geoDistanceKm(lat1!, lon1!, lat2!, lon2!)).toBeCloseTo(km, -1);
  });
});
