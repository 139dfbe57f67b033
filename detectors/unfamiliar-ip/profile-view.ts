import { NO_POINT, pointLat, pointLon } from './geo-point.js';
import {
  AT_LAST,
  FIRST_PLACE,
  historyEvents,
  nextPlace,
  type PlaceEntry,
  placesAt,
  profileStart,
  type UnfamiliarIpState,
} from './key-profile.js';
import type { OrgPlace } from './org-profile.js';
import { CITY, COUNTRY, HOST, type Level, labelParts, NETWORK, REGION } from './places.js';

/** ISO text of an epoch minute. */
export function isoMinute(minute: number): string {
  return new Date(minute * 60_000).toISOString();
}

type CountryName = (code: string) => string;

/** A stored place as the API and evidence show it. */
export function placeView(
  level: Level,
  place: PlaceEntry | OrgPlace,
  countryName: CountryName,
): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  if (level === COUNTRY) {
    view.country = place.label;
    view.name = countryName(place.label);
  } else if (level === REGION || level === CITY) {
    const [country, region, city] = labelParts(place.label);
    if (level === CITY) view.city = city;
    view.region = region || null;
    view.country = country;
  } else {
    view[level === NETWORK ? 'network' : 'ip'] = place.label;
  }
  view.count = place.count;
  if ('first' in place) view.firstSeen = isoMinute(place.first);
  view.lastSeen = isoMinute(place.last);
  if (place.point !== NO_POINT && (level === CITY || level === COUNTRY)) {
    view.lat = pointLat(place.point);
    view.lon = pointLon(place.point);
  }
  return view;
}

/** Latest epoch minute the profile saw, or `undefined` for an empty profile. */
function latestMinute(state: UnfamiliarIpState): number | undefined {
  let latest: number | undefined;
  for (let at = FIRST_PLACE; at < state.length; at = nextPlace(state, at)) {
    const last = state[at + AT_LAST] as number;
    if (latest === undefined || last > latest) latest = last;
  }
  return latest === undefined ? undefined : profileStart(state) + latest;
}

export interface ProfileViewOptions {
  forgetMinutes: number;
  learningEvents: number;
  learningMinutes: number;
  countryName: CountryName;
}

/**
 * The learned profile of a key for the API: history size, learning progress, and its countries,
 * regions, cities, networks and addresses with counts and first/last seen times (ISO).
 */
export function describeProfile(
  state: UnfamiliarIpState,
  options: ProfileViewOptions,
): Record<string, unknown> {
  const latest = latestMinute(state);
  if (latest === undefined || historyEvents(state) === 0) {
    return {
      historyEvents: 0,
      learning: true,
      countries: [],
      regions: [],
      cities: [],
      networks: [],
      ips: [],
    };
  }
  // "Now" is the profile's own latest event: describing it must not depend on the wall clock.
  const t0 = profileStart(state);
  const cutoff = latest - t0 - options.forgetMinutes;
  const view = (level: Level) =>
    placesAt(state, level, cutoff).map((place) => placeView(level, place, options.countryName));
  return {
    historyEvents: historyEvents(state),
    since: isoMinute(t0),
    lastSeen: isoMinute(latest),
    learning: historyEvents(state) < options.learningEvents || latest - t0 < options.learningMinutes,
    forgetAfterDays: options.forgetMinutes / 1440,
    countries: view(COUNTRY),
    regions: view(REGION),
    cities: view(CITY),
    networks: view(NETWORK),
    ips: view(HOST),
  };
}
