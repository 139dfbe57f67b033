import { TwoGenerationCache } from '../events/bounded-cache.js';
import type { AccessEvent, EnrichedEvent, GeoInfo } from '../events/types.js';
import { createGeoLookup, type GeoLookup, NO_GEO } from './geo.js';
import { type ParsedIp, parseIp } from './network.js';

export interface EnricherOptions {
  /** Geography source; `false` leaves every event without geography. Default: geoip-lite. */
  geo?: GeoLookup | false;
  /** Addresses whose parse and geography are remembered. Default 100 000. */
  cacheSize?: number;
}

interface AddressFacts {
  address: ParsedIp;
  geo: GeoInfo;
}

/**
 * Creates the enrichment stage: adds the address version, canonical text, network prefix (/24 or
 * /48), address class and geography to an event. What is learned about an address is cached
 * (bounded) by its text as written in the event, so the common path is one `Map` lookup and one
 * object. Returns `null` only when the event's `ip` is not an address (the parser prevents that).
 *
 * @example
 * const enrich = createEnricher();
 * enrich({ ts: 1793697012000, keyId: 'k1', ip: '81.2.69.160' })
 * // { …event, ipVersion: 4, ipNormalized: '81.2.69.160', network: '81.2.69.0/24', ipKind: 'public', geo: { country: 'GB', … } }
 */
export function createEnricher(options: EnricherOptions = {}): (event: AccessEvent) => EnrichedEvent | null {
  const cacheSize = options.cacheSize ?? 100_000;
  // This cache holds the geography too, so the default lookup only needs a small one of its own.
  const geo = options.geo === false ? () => NO_GEO : (options.geo ?? createGeoLookup({ cacheSize: 1024 }));
  const facts = new TwoGenerationCache<string, AddressFacts>(cacheSize);

  return (event: AccessEvent): EnrichedEvent | null => {
    let known = facts.get(event.ip);
    if (known === undefined) {
      const address = parseIp(event.ip);
      if (address === null) return null;
      known = { address, geo: geo(address) };
      facts.set(event.ip, known);
    }
    const address = known.address;
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
      ipVersion: address.version,
      ipNormalized: address.normalized,
      network: address.network,
      ipKind: address.kind,
      geo: known.geo,
    };
  };
}
