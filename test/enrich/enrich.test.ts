import { describe, expect, it, vi } from 'vitest';
import { createEnricher } from '../../src/enrich/enrich.js';
import type { GeoLookup } from '../../src/enrich/geo.js';
import { createGeoLookup, NO_GEO } from '../../src/enrich/geo.js';
import { parseIp } from '../../src/enrich/network.js';
import { createEventParser } from '../../src/events/parse.js';
import type { AccessEvent } from '../../src/events/types.js';

const event = (ip: string): AccessEvent => ({
  ts: Date.parse('2026-11-03T09:10:12Z'),
  keyId: 'key-1',
  ip,
  method: 'GET',
  route: '/v1/rooms',
  path: '/v1/rooms',
  status: 200,
});

describe('createEnricher', () => {
  it('adds address facts and geography from geoip-lite', () => {
    const enrich = createEnricher();
    expect(enrich(event('81.2.69.160'))).toMatchObject({
      keyId: 'key-1',
      ip: '81.2.69.160',
      method: 'GET',
      status: 200,
      route: '/v1/rooms',
      ipVersion: 4,
      ipNormalized: '81.2.69.160',
      network: '81.2.69.0/24',
      ipKind: 'public',
      geo: { country: 'GB', timezone: 'Europe/London' },
    });
  });

  it('describes an IPv4-mapped and an upper-case IPv6 address by their canonical forms', () => {
    const enrich = createEnricher({ geo: false });
    expect(enrich(event('::ffff:8.8.8.8'))).toMatchObject({
      ipVersion: 4,
      ipNormalized: '8.8.8.8',
      ip: '::ffff:8.8.8.8',
    });
    expect(enrich(event('2A00:1450:4001:082A::200E'))).toMatchObject({
      ipVersion: 6,
      ipNormalized: '2a00:1450:4001:82a::200e',
      network: '2a00:1450:4001::/48',
    });
  });

  it('gives private addresses their class and no geography', () => {
    const enrich = createEnricher();
    expect(enrich(event('10.0.0.7'))).toMatchObject({
      ipKind: 'private',
      network: '10.0.0.0/24',
      geo: NO_GEO,
    });
  });

  it('asks for the geography of an address once while it stays cached', () => {
    const lookup = vi.fn<GeoLookup>(() => NO_GEO);
    const enrich = createEnricher({ geo: lookup, cacheSize: 100 });
    for (let i = 0; i < 10; i++) enrich(event('81.2.69.160'));
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('gives each address of a /24 split between database ranges the geography of its own range', () => {
    const enrich = createEnricher();
    // 81.2.78.0–127 and 81.2.78.128–255 are different places in the database.
    const low = enrich(event('81.2.78.10'))!;
    const high = enrich(event('81.2.78.200'))!;
    const lowAgain = enrich(event('81.2.78.11'))!;
    expect(low.geo.city).toBe('Robertsbridge');
    expect(high.geo.city).toBe('Cambridge');
    expect(lowAgain.geo.city).toBe('Robertsbridge');
    expect(high.network).toBe('81.2.78.0/24');
  });

  it('describes every address of a /24 alike but keeps each address as its normalized text', () => {
    const enrich = createEnricher();
    const first = enrich(event('81.2.69.160'))!;
    const second = enrich(event('81.2.69.7'))!;
    expect(second).toMatchObject({ ipNormalized: '81.2.69.7', network: '81.2.69.0/24', ipKind: 'public' });
    expect(second.geo).toBe(first.geo);
    expect(enrich(event('10.0.0.8'))).toMatchObject({
      ipNormalized: '10.0.0.8',
      ipKind: 'private',
      geo: NO_GEO,
    });
  });

  it('gives the same facts as parseIp and the geo lookup for many addresses, cached or not', () => {
    const enrich = createEnricher({ cacheSize: 64 });
    const geo = createGeoLookup({ cacheSize: 0 });
    const prefixes = [
      '81.2.78',
      '81.2.69',
      '8.8.8',
      '10.1.2',
      '100.64.3',
      '203.0.113',
      '185.60.173',
      '1.0.0',
    ];
    for (let round = 0; round < 2; round++) {
      for (const prefix of prefixes) {
        for (let host = 0; host < 256; host += 17) {
          const ip = `${prefix}.${host}`;
          const address = parseIp(ip)!;
          expect(enrich(event(ip))).toMatchObject({
            ipVersion: 4,
            ipNormalized: address.normalized,
            network: address.network,
            ipKind: address.kind,
            geo: geo(ip),
          });
        }
      }
    }
  });

  it('returns null for an event whose ip is not an address', () => {
    expect(createEnricher({ geo: false })(event('nope'))).toBeNull();
  });

  it('enriches what the parser accepts', () => {
    const parse = createEventParser();
    const enrich = createEnricher();
    const parsed = parse(
      '{"ts":"2026-11-03T09:10:12Z","keyId":"k","ip":"8.8.8.8","path":"/v1/people/me?x=1"}',
    );
    if (!parsed.ok) throw new Error(parsed.rejection.message);
    expect(enrich(parsed.event)).toMatchObject({ route: '/v1/people/me', geo: { country: 'US' } });
  });
});
