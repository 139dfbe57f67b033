import { KeywatchError } from '../errors.js';
import type { GeoInfo } from '../events/types.js';
import { CITIES_BY_ID, type CitySpec, DOMESTIC_CITIES, FOREIGN_CITIES, HOME_CITIES } from './city-catalog.js';
import type { GeoLookupFn } from './geo-source.js';
import type { Random } from './random.js';

/** Where a city is, as the geo database says it (the timezone drives local business hours). */
export interface CityInfo {
  id: string;
  country: string;
  region: string;
  city: string;
  timezone: string;
}

/** A /24 network whose hosts were all verified to lie in `city`. */
export interface Network {
  /** `203.0.113.0/24` */
  cidr: string;
  city: CityInfo;
  kind: 'cloud' | 'access';
  /** Verified host addresses, in the order a scenario starts using them. */
  hosts: string[];
}

/** How many candidate /24s to try before deciding that the catalogue no longer fits the database. */
const MAX_ATTEMPTS = 2000;

/**
 * Pools of real public addresses by location. Networks are sampled with the scenario's PRNG inside
 * the catalogue's blocks and kept only when every host the scenario will use geolocates to the
 * expected country, region and city; a network is handed out once, so a "new network" is new to
 * every key. Nothing is cached on disk: a few thousand lookups take milliseconds.
 *
 * @example
 * const places = new Places(rng.fork('places'), scenarioGeoLookup());
 * const office = places.takeNetwork('berlin', 'access');
 * office.hosts[0]; // e.g. '87.77.143.21', which geoip-lite places in Berlin, BE, DE
 */
export class Places {
  private readonly used = new Set<string>();
  private readonly infos = new Map<string, CityInfo>();
  private readonly spares = new Map<string, Network[]>();

  constructor(
    private readonly rng: Random,
    private readonly lookup: GeoLookupFn,
  ) {}

  /** Cities where keys live. */
  homeCities(): readonly CitySpec[] {
    return HOME_CITIES;
  }

  /** Cities of countries where no home city is. */
  foreignCities(): readonly CitySpec[] {
    return FOREIGN_CITIES;
  }

  /** The other catalogued cities of `cityId`'s country (empty for Singapore, for example). */
  otherCitiesInCountry(cityId: string): CitySpec[] {
    const home = this.spec(cityId);
    return [...HOME_CITIES, ...DOMESTIC_CITIES].filter(
      (spec) => spec.country === home.country && spec.city !== home.city,
    );
  }

  /** The verified description of a city (takes one network to learn it, kept for later use). */
  cityInfo(cityId: string): CityInfo {
    const known = this.infos.get(cityId);
    if (known) return known;
    const network = this.sampleNetwork(cityId, this.spec(cityId).access.length > 0 ? 'access' : 'cloud', 6);
    this.spares.set(`${cityId}/${network.kind}`, [network]);
    return network.city;
  }

  /** Whether the city has hosting-provider blocks (server bots can live there). */
  hasCloud(cityId: string): boolean {
    return this.spec(cityId).cloud.length > 0;
  }

  /**
   * A /24 never handed out before, with `hostCount` verified hosts. `kind` falls back to the other
   * block list when the city has none of the asked kind.
   */
  takeNetwork(cityId: string, kind: 'cloud' | 'access', hostCount = 6): Network {
    const spec = this.spec(cityId);
    const effective = spec[kind].length > 0 ? kind : kind === 'cloud' ? 'access' : 'cloud';
    const spare = this.spares.get(`${cityId}/${effective}`)?.pop();
    if (spare && spare.hosts.length >= hostCount) return spare;
    return this.sampleNetwork(cityId, effective, hostCount);
  }

  private spec(cityId: string): CitySpec {
    const spec = CITIES_BY_ID.get(cityId);
    if (!spec) throw new KeywatchError('KW_ERR_INTERNAL', `Unknown scenario city '${cityId}'`);
    return spec;
  }

  private sampleNetwork(cityId: string, kind: 'cloud' | 'access', hostCount: number): Network {
    const spec = this.spec(cityId);
    const blocks = spec[kind];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const prefix = `${this.rng.pick(blocks)}.${this.rng.int(0, 255)}`;
      if (this.used.has(prefix)) continue;
      const hostNumbers = this.rng.sample(HOST_NUMBERS, hostCount);
      const hosts: string[] = [];
      let geo: GeoInfo | null = null;
      for (const host of hostNumbers) {
        const address = `${prefix}.${host}`;
        const found = this.lookup(address);
        if (!found || !matches(found, spec)) break;
        geo ??= found;
        hosts.push(address);
      }
      if (hosts.length < hostCount || !geo) continue;
      this.used.add(prefix);
      const city = this.infos.get(cityId) ?? {
        id: cityId,
        country: spec.country,
        region: spec.region,
        city: spec.city,
        timezone: geo.timezone ?? 'UTC',
      };
      this.infos.set(cityId, city);
      return { cidr: `${prefix}.0/24`, city, kind, hosts };
    }
    throw new KeywatchError(
      'KW_ERR_INTERNAL',
      `No verified /24 found for scenario city '${cityId}' (${kind}); the geo database no longer matches the catalogue`,
      { cityId, kind },
    );
  }
}

/** Host numbers that are neither network, broadcast nor the usual gateway. */
const HOST_NUMBERS: readonly number[] = Array.from({ length: 252 }, (_, i) => i + 2);

function matches(geo: GeoInfo, spec: CitySpec): boolean {
  return geo.country === spec.country && (geo.region ?? '') === spec.region && geo.city === spec.city;
}
