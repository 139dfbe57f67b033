import { createRequire } from 'node:module';
import { KeywatchError } from '../errors.js';
import { TwoGenerationCache } from '../events/bounded-cache.js';
import type { GeoInfo } from '../events/types.js';
import { Ipv4RangeTable } from './ipv4-range-table.js';
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
  /** First and last address (uint32) of the database range that answered (IPv4 only). */
  range?: [number, number] | string;
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

/** The geography of an IPv4 address and the database range [first, last] (uint32) that shares it. */
export interface Ipv4GeoRange {
  geo: GeoInfo;
  first: number;
  last: number;
}

/**
 * Asks geoip-lite about a public IPv4 address given as a uint32 (no caching: callers keep the
 * answer for the whole range). `null` when the database has no range for the address. Loads the
 * database on first use.
 *
 * @example lookupIpv4Range(0x51_02_45_a0) // { geo: { country: 'GB', … }, first: 0x51_02_44_00, last: 0x51_02_45_ff }
 */
export function lookupIpv4Range(address: number): Ipv4GeoRange | null {
  loadGeoDatabase();
  // A number goes straight to geoip-lite's binary search, without its text parsing.
  const record = database!.lookup(address);
  const range = record?.range;
  if (!Array.isArray(range) || !(range[0] <= address && address <= range[1])) return null;
  return { geo: toGeoInfo(record!), first: range[0], last: range[1] };
}

/**
 * Creates a geography lookup backed by geoip-lite 2.0.3 (loaded lazily on the first public address)
 * with bounded caches. Only public addresses are looked up; the rest, and text that is not an
 * address, get `NO_GEO`. Results are frozen and shared.
 *
 * IPv4 answers are remembered per database range: every address of a range has the same answer, so
 * one lookup serves the whole range (held under the /24 of the address that was looked up; an
 * address the database does not know is remembered alone). New addresses of a known network, the
 * common case, then cost no database search. IPv6 answers are cached by normalized address.
 * `cacheSize` bounds each cache.
 *
 * @example
 * const geo = createGeoLookup({ cacheSize: 100_000 });
 * geo('81.2.69.160').country // 'GB'
 * geo('10.1.2.3')            // NO_GEO (all null)
 */
export function createGeoLookup(options: { cacheSize?: number } = {}): GeoLookup {
  const cacheSize = options.cacheSize ?? 100_000;
  const ipv4Ranges = new Ipv4RangeTable<GeoInfo>(cacheSize, 24);
  const ipv6Cache = new TwoGenerationCache<string, GeoInfo>(cacheSize);
  return (ip: string | ParsedIp): GeoInfo => {
    const address = typeof ip === 'string' ? parseIp(ip) : ip;
    if (address === null || address.kind !== 'public') return NO_GEO;
    if (address.version === 4) {
      const value = address.words[3];
      const known = ipv4Ranges.get(value);
      if (known !== undefined) return known;
      const found = lookupIpv4Range(value);
      if (found === null) ipv4Ranges.set(value, NO_GEO);
      else ipv4Ranges.set(value, found.geo, found.first, found.last);
      return found === null ? NO_GEO : found.geo;
    }
    const key = address.normalized;
    const cached = ipv6Cache.get(key);
    if (cached !== undefined) return cached;
    loadGeoDatabase();
    const geo = toGeoInfo(database!.lookup(key));
    ipv6Cache.set(key, geo);
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
