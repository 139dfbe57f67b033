import { createRequire } from 'node:module';
import { KeywatchError } from '../errors.js';
import { TwoGenerationCache } from '../events/bounded-cache.js';
import type { GeoInfo } from '../events/types.js';
import { type ParsedIp, parseIp } from './network.js';

/** Geography of an address (its text or an already parsed address). */
export type GeoLookup = (ip: string | ParsedIp) => GeoInfo;

/** What is known of an address that has no geography (private, reserved, unknown, not an address). */
export const NO_GEO: GeoInfo = Object.freeze({
  country: null,
  region: null,
  city: null,
  lat: null,
  lon: null,
  timezone: null,
});

interface GeoipRecord {
  country: string;
  region: string;
  city: string;
  timezone?: string;
  ll: [number | null, number | null];
}

interface GeoipLite {
  lookup(ip: string | number): GeoipRecord | null;
}

let database: GeoipLite | undefined;

/**
 * Loads the geoip-lite database (about 110 MB, read synchronously on first use). Call it at start-up
 * to keep that pause away from the first event; lookups load it on demand otherwise.
 *
 * @throws KeywatchError `KW_ERR_UNAVAILABLE` when the package or its data cannot be loaded.
 */
export function loadGeoDatabase(): void {
  if (database !== undefined) return;
  try {
    database = createRequire(import.meta.url)('geoip-lite') as GeoipLite;
  } catch (error) {
    throw new KeywatchError(
      'KW_ERR_UNAVAILABLE',
      `The geoip-lite database cannot be loaded: ${String(error)}`,
    );
  }
}

// Countries, regions, cities and zones repeat across millions of addresses: share one string each.
const names = new TwoGenerationCache<string, string>(20_000);

function shared(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  const known = names.get(text);
  if (known !== undefined) return known;
  names.set(text, text);
  return text;
}

function toGeoInfo(record: GeoipRecord | null): GeoInfo {
  if (record === null || record.country === '') return NO_GEO;
  const [lat, lon] = record.ll;
  // geoip-lite reports [0, 0] for IPv6 ranges known only by country: that is "unknown", not a place.
  const located = typeof lat === 'number' && typeof lon === 'number' && !(lat === 0 && lon === 0);
  return Object.freeze({
    country: shared(record.country),
    region: shared(record.region),
    city: shared(record.city),
    lat: located ? lat : null,
    lon: located ? lon : null,
    timezone: shared(record.timezone),
  });
}

/**
 * Creates a geography lookup backed by geoip-lite 2.0.3 (loaded lazily on the first public address)
 * with a bounded cache keyed by the normalized address. Only public addresses are looked up; the
 * rest, and text that is not an address, get `NO_GEO`. Results are frozen and shared.
 *
 * @example
 * const geo = createGeoLookup({ cacheSize: 100_000 });
 * geo('81.2.69.160').country // 'GB'
 * geo('10.1.2.3')            // NO_GEO (all null)
 */
export function createGeoLookup(options: { cacheSize?: number } = {}): GeoLookup {
  const cache = new TwoGenerationCache<string, GeoInfo>(options.cacheSize ?? 100_000);
  return (ip: string | ParsedIp): GeoInfo => {
    const address = typeof ip === 'string' ? parseIp(ip) : ip;
    if (address === null || address.kind !== 'public') return NO_GEO;
    const key = address.normalized;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    loadGeoDatabase();
    // IPv4 goes in as a number: geoip-lite then skips its own text parsing.
    const record = database!.lookup(address.version === 4 ? address.words[3] : key);
    const geo = toGeoInfo(record);
    cache.set(key, geo);
    return geo;
  };
}

const EARTH_RADIUS_KM = 6371.0088;
const RADIANS = Math.PI / 180;

/**
 * Great-circle distance in kilometres between two points (haversine, mean Earth radius).
 *
 * @example geoDistanceKm(51.5074, -0.1278, 48.8566, 2.3522) // ≈ 343.6 (London → Paris)
 */
export function geoDistanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
