import { TwoGenerationCache } from '../events/bounded-cache.js';
import type { AccessEvent, EnrichedEvent, GeoInfo, IpKind } from '../events/types.js';
import { createGeoLookup, type GeoLookup, type Ipv4GeoRange, lookupIpv4Range, NO_GEO } from './geo.js';
import { Ipv4BlockTable } from './ipv4-block-table.js';
import { Ipv4RangeTable } from './ipv4-range-table.js';
import { ipv4ToInt, type ParsedIp, parseIp } from './network.js';

export interface EnricherOptions {
  /** Geography source; `false` leaves every event without geography. Default: geoip-lite. */
  geo?: GeoLookup | false;
  /** Addresses whose parse and geography are remembered. Default 100 000. */
  cacheSize?: number;
}

/** What enrichment adds for an IPv6 address, flat so that building an event reads one object. */
interface AddressFacts {
  version: 4 | 6;
  normalized: string;
  network: string;
  kind: IpKind;
  geo: GeoInfo;
}

/**
 * What the addresses of one IPv4 /24 share: the prefix text and the address class (both depend on
 * the first three octets only), and the geography when one database range covers the whole /24.
 */
interface Ipv4Block {
  /** The top 24 bits of the addresses. */
  prefix: number;
  network: string;
  kind: IpKind;
  /** `undefined` when the addresses of the /24 may differ in geography. */
  geo: GeoInfo | undefined;
  /**
   * Then, with the built-in lookup: the database ranges met so far inside the /24, as [first, last]
   * pairs, and their geography. A /24 split between places holds only a few.
   */
  rangeBounds: number[];
  rangeGeos: GeoInfo[];
}

const BLOCK_SIZE = 256;
/** Database ranges remembered per /24; addresses beyond them are remembered one by one. */
const MAX_RANGES_PER_BLOCK = 8;

/**
 * Creates the enrichment stage: adds the address version, canonical text, network prefix (/24 or
 * /48), address class and geography to an event.
 *
 * IPv4 addresses, nearly all traffic, are known by their value as a uint32 (a number needs no string
 * hashing) and described per /24: one bounded table holds each /24's prefix text, class and — when a
 * single database range covers it, the common case — its geography, so an event costs a short scan
 * of the address, one probe of that table and one new object, and a new address of a known network
 * costs nothing more. A dotted quad is its own canonical text, so `ipNormalized` is the event's `ip`.
 * Where places differ within a /24, its entry keeps the few database ranges met so far; beyond those,
 * and for a `geo` lookup given in the options (which tells no ranges), geography is cached per
 * address. Other addresses are cached by their text as written. Returns `null` only when the event's
 * `ip` is not an address (the parser prevents that).
 *
 * @example
 * const enrich = createEnricher();
 * enrich({ ts: 1793697012000, keyId: 'k1', ip: '81.2.69.160' })
 * // { …event, ipVersion: 4, ipNormalized: '81.2.69.160', network: '81.2.69.0/24', ipKind: 'public', geo: { country: 'GB', … } }
 */
export function createEnricher(options: EnricherOptions = {}): (event: AccessEvent) => EnrichedEvent | null {
  const cacheSize = options.cacheSize ?? 100_000;
  const ownGeo = options.geo === undefined;
  const geo = options.geo === false ? () => NO_GEO : (options.geo ?? createGeoLookup({ cacheSize }));
  const ipv4Blocks = new Ipv4BlockTable<Ipv4Block>(cacheSize);
  const ipv4Geo = new Ipv4RangeTable<GeoInfo>(cacheSize);
  const otherAddresses = new TwoGenerationCache<string, AddressFacts>(cacheSize);

  function learnBlock(ip: string, address: number): Ipv4Block {
    const parsed = parseIp(ip)!;
    const first = (address & 0xffffff00) >>> 0;
    const block: Ipv4Block = {
      prefix: address >>> 8,
      network: parsed.network,
      kind: parsed.kind,
      geo: undefined,
      rangeBounds: [],
      rangeGeos: [],
    };
    if (options.geo === false || (ownGeo && parsed.kind !== 'public')) {
      block.geo = NO_GEO; // the built-in lookup places only public addresses
    } else if (ownGeo) {
      const found = lookupIpv4Range(address);
      if (found !== null && found.first <= first && first + BLOCK_SIZE - 1 <= found.last) {
        block.geo = found.geo;
      } else {
        rememberRange(block, address, found);
      }
    }
    ipv4Blocks.set(block);
    return block;
  }

  function rememberRange(block: Ipv4Block, address: number, found: Ipv4GeoRange | null): GeoInfo {
    const geo = found === null ? NO_GEO : found.geo;
    if (block.rangeGeos.length < MAX_RANGES_PER_BLOCK) {
      // An address the database does not know is a range of its own.
      block.rangeBounds.push(found === null ? address : found.first, found === null ? address : found.last);
      block.rangeGeos.push(geo);
    } else {
      ipv4Geo.set(address, geo);
    }
    return geo;
  }

  /** Geography of an address of a /24 whose addresses may differ in it. */
  function addressGeo(ip: string, address: number, block: Ipv4Block): GeoInfo {
    if (ownGeo) {
      const bounds = block.rangeBounds;
      for (let i = 0; i < bounds.length; i += 2) {
        if (bounds[i]! <= address && address <= bounds[i + 1]!) return block.rangeGeos[i >>> 1]!;
      }
      return ipv4Geo.get(address) ?? rememberRange(block, address, lookupIpv4Range(address));
    }
    let known = ipv4Geo.get(address);
    if (known === undefined) {
      const parsed: ParsedIp = {
        version: 4,
        normalized: ip,
        network: block.network,
        kind: block.kind,
        words: [0, 0, 0xffff, address],
      };
      known = geo(parsed);
      ipv4Geo.set(address, known);
    }
    return known;
  }

  function learnOther(ip: string): AddressFacts | undefined {
    const parsed = parseIp(ip);
    if (parsed === null) return undefined;
    return {
      version: parsed.version,
      normalized: parsed.normalized,
      network: parsed.network,
      kind: parsed.kind,
      geo: geo(parsed),
    };
  }

  function enrichOther(event: AccessEvent): EnrichedEvent | null {
    let known = otherAddresses.get(event.ip);
    if (known === undefined) {
      known = learnOther(event.ip);
      if (known === undefined) return null;
      otherAddresses.set(event.ip, known);
    }
    return withAddress(event, known.version, known.normalized, known.network, known.kind, known.geo);
  }

  return (event: AccessEvent): EnrichedEvent | null => {
    const ip = event.ip;
    const address = ipv4ToInt(ip);
    if (address === null) return enrichOther(event);
    const block = ipv4Blocks.get(address) ?? learnBlock(ip, address);
    const place = block.geo ?? addressGeo(ip, address, block);
    return withAddress(event, 4, ip, block.network, block.kind, place);
  };
}

function withAddress(
  event: AccessEvent,
  version: 4 | 6,
  normalized: string,
  network: string,
  kind: IpKind,
  geo: GeoInfo,
): EnrichedEvent {
  return {
    ts: event.ts,
    keyId: event.keyId,
    ip: event.ip,
    method: event.method,
    path: event.path,
    route: event.route,
    status: event.status,
    bytesOut: event.bytesOut,
    bytesIn: event.bytesIn,
    userAgent: event.userAgent,
    orgId: event.orgId,
    requestId: event.requestId,
    ipVersion: version,
    ipNormalized: normalized,
    network,
    ipKind: kind,
    geo,
  };
}
