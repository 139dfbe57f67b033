import { createGeoLookup } from '../enrich/geo.js';
import type { GeoInfo } from '../events/types.js';

/** Looks an address up; `null` or all-null fields when the database has no answer. */
export type GeoLookupFn = (ip: string) => GeoInfo | null;

/**
 * The lookup the engine enriches events with. Scenario labels ("new country", "another city of
 * the home country") are checked against it, so they are true for the engine too.
 */
export function scenarioGeoLookup(): GeoLookupFn {
  return createGeoLookup({ cacheSize: 20_000 });
}
