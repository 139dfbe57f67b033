import { describe, expect, it } from 'vitest';
import { HOME_CITIES } from '../../src/scenarios/city-catalog.js';
import { scenarioGeoLookup } from '../../src/scenarios/geo-source.js';
import { Places } from '../../src/scenarios/places.js';
import { Random } from '../../src/scenarios/random.js';

const geo = scenarioGeoLookup();

describe('Places', () => {
  it('hands out /24s whose every host geolocates to the asked city', () => {
    const places = new Places(new Random(1), geo);
    for (const spec of HOME_CITIES) {
      for (const kind of ['cloud', 'access'] as const) {
        const network = places.takeNetwork(spec.id, kind, 4);
        expect(network.hosts).toHaveLength(4);
        for (const host of network.hosts) {
          expect(host.startsWith(network.cidr.replace(/0\/24$/, ''))).toBe(true);
          const place = geo(host);
          expect([place?.country, place?.region ?? '', place?.city], host).toEqual([
            spec.country,
            spec.region,
            spec.city,
          ]);
        }
        expect(network.city.timezone).toMatch(/\//);
      }
    }
  });

  it('never hands out the same network twice and is deterministic per seed', () => {
    const take = (seed: number) => {
      const places = new Places(new Random(seed), geo);
      return Array.from({ length: 40 }, () => places.takeNetwork('berlin', 'access', 1).cidr);
    };
    const first = take(3);
    expect(new Set(first).size).toBe(40);
    expect(take(3)).toEqual(first);
    expect(take(4)).not.toEqual(first);
  });

  it('builds pools quickly enough to need no disk cache', () => {
    const started = performance.now();
    const places = new Places(new Random(9), geo);
    for (const spec of HOME_CITIES) for (let i = 0; i < 20; i++) places.takeNetwork(spec.id, 'access', 6);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('knows other cities of a home country, and that Singapore has none', () => {
    const places = new Places(new Random(1), geo);
    expect(places.otherCitiesInCountry('frankfurt').map((spec) => spec.id)).toEqual(
      expect.arrayContaining(['berlin', 'munich', 'hamburg', 'cologne']),
    );
    expect(places.otherCitiesInCountry('singapore')).toEqual([]);
    expect(() => places.takeNetwork('atlantis', 'cloud')).toThrow(/Unknown scenario city/);
  });
});
