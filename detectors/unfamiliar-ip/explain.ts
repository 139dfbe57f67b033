import type { EnrichedEvent } from '../../src/events/types.js';
import type { Finding } from '../types.js';
import type { Judgement } from './judge.js';
import {
  decodePlace,
  historyEvents,
  liveCountAt,
  type PlaceEntry,
  placesAt,
  profileStart,
  type UnfamiliarIpState,
} from './key-profile.js';
import { type OrgPlace, orgPlacesAt, type UnfamiliarIpOrgState } from './org-profile.js';
import { CITY, COUNTRY, GRADES, HOST, type Level, labelParts, NETWORK, REGION } from './places.js';
import { isoMinute, placeView } from './profile-view.js';

export interface ExplainOptions {
  detector: string;
  forgetAfterDays: number;
  countryName: (code: string) => string;
}

const SHOWN = 5;
const LEVEL_NOUN = ['address', 'network', 'city', 'region', 'country'] as const;

/**
 * Writes the finding for a judged event: title, one plain sentence, and evidence with the baseline
 * the event was compared with. `state` is the key's profile before learning the event; `cutoff` is
 * the forgetting cutoff in the profile's minutes, `orgCutoff` in epoch minutes.
 */
export function explainFinding(
  event: EnrichedEvent,
  judgement: Judgement,
  state: UnfamiliarIpState,
  org: UnfamiliarIpOrgState | undefined,
  cutoff: number,
  orgCutoff: number,
  options: ExplainOptions,
): Finding {
  const { level, repeat } = judgement;
  const history = historyEvents(state);
  const name = options.countryName;
  const where = eventPlace(event, level, name);
  const title = repeat
    ? `Still unfamiliar ${LEVEL_NOUN[level]} for this key: ${where}`
    : `New ${LEVEL_NOUN[level]} for this key${judgement.byOrg ? ' and its organisation' : ''}: ${where}`;

  const location = eventLocation(event, name);
  let sentence = `Key ${event.keyId} was used from ${event.ipNormalized}`;
  if (level === NETWORK || level === HOST) sentence += ` (network ${event.network})`;
  if (location) sentence += ` in ${location}`;
  if (judgement.distanceKm !== null && level >= CITY && !repeat) {
    sentence += `, ${formatCount(Math.round(judgement.distanceKm))} km from the nearest place it was known from`;
  }
  let repeated: PlaceEntry | undefined;
  if (repeat) {
    repeated = decodePlace(state, judgement.placeAt);
    sentence += `, a ${LEVEL_NOUN[level]} this key first met at ${isoMinute(repeated.first)} (${pluralEvents(repeated.count)} from it so far)`;
  }
  const exclude = repeated?.label;
  if (judgement.byOrg && org) {
    const newKey =
      history === 0 ? 'it is the first use of this key' : `the key is new (${pluralEvents(history)} before)`;
    const listLevel = baselineLevel(level, (candidate) => orgPlacesAt(org, candidate, orgCutoff));
    const baseline = describeList(
      listLevel,
      orgPlacesAt(org, listLevel, orgCutoff),
      name,
      'key-days',
      exclude,
    );
    sentence += baseline.phrase
      ? `; ${newKey} and in the last ${options.forgetAfterDays} days the other keys of its organisation were ${usedFrom(baseline.mostly, repeat)} ${baseline.phrase}.`
      : `; ${newKey} and its organisation knows no such place.`;
  } else {
    const listLevel = baselineLevel(level, (candidate) => placesAt(state, candidate, cutoff));
    const baseline = describeList(listLevel, placesAt(state, listLevel, cutoff), name, 'events', exclude);
    sentence += baseline.phrase
      ? `; in the last ${options.forgetAfterDays} days it was ${usedFrom(baseline.mostly, repeat)} ${baseline.phrase}.`
      : `; it has ${pluralEvents(history)} of history and no other such place.`;
  }

  const evidence: Record<string, unknown> = {
    grade: GRADES[level],
    repeat,
    judgedAgainst: judgement.byOrg ? 'organisation' : 'key',
    ip: event.ipNormalized,
    network: event.network,
    ipKind: event.ipKind,
    geo: {
      country: event.geo.country,
      region: event.geo.region,
      city: event.geo.city,
      lat: event.geo.lat,
      lon: event.geo.lon,
    },
    distanceKm: judgement.distanceKm === null ? null : Math.round(judgement.distanceKm),
    scoring: {
      base: judgement.base,
      distanceBonus: round(judgement.distanceBonus),
      discount: round(judgement.discount),
      learningFactor: round(judgement.learningFactor),
    },
    baseline: keyBaseline(state, cutoff, name),
  };
  if (repeated) {
    evidence.place = { count: repeated.count, firstSeen: isoMinute(repeated.first) };
  }
  if (judgement.byOrg && org) evidence.orgBaseline = orgBaseline(org, orgCutoff, name);

  return {
    detector: options.detector,
    score: judgement.score,
    subject: `ip:${event.ipNormalized}`,
    title,
    explanation: sentence,
    evidence,
  };
}

/** The baseline a key was compared with: history size and its top countries and cities. */
function keyBaseline(state: UnfamiliarIpState, cutoff: number, name: (code: string) => string) {
  return {
    historyEvents: historyEvents(state),
    since: historyEvents(state) > 0 ? isoMinute(profileStart(state)) : null,
    countries: placesAt(state, COUNTRY, cutoff)
      .slice(0, SHOWN)
      .map((place) => placeView(COUNTRY, place, name)),
    cities: placesAt(state, CITY, cutoff)
      .slice(0, SHOWN)
      .map((place) => placeView(CITY, place, name)),
    knownCountries: liveCountAt(state, COUNTRY, cutoff),
    knownCities: liveCountAt(state, CITY, cutoff),
    knownNetworks: liveCountAt(state, NETWORK, cutoff),
    knownIps: liveCountAt(state, HOST, cutoff),
  };
}

function orgBaseline(org: UnfamiliarIpOrgState, cutoff: number, name: (code: string) => string) {
  return {
    settledKeys: org.k,
    countries: orgPlacesAt(org, COUNTRY, cutoff)
      .slice(0, SHOWN)
      .map((place) => placeView(COUNTRY, place, name)),
    cities: orgPlacesAt(org, CITY, cutoff)
      .slice(0, SHOWN)
      .map((place) => placeView(CITY, place, name)),
    knownNetworks: orgPlacesAt(org, NETWORK, cutoff).length,
  };
}

/**
 * Which of the known places to list in the sentence: countries for a new country, cities for a
 * new region or city (falling back to broader places when geoip had no city), networks for the rest.
 */
function baselineLevel(level: Level, placesOf: (level: Level) => unknown[]): Level {
  if (level === COUNTRY) return COUNTRY;
  if (level === REGION || level === CITY) {
    if (placesOf(CITY).length > 0) return CITY;
    return placesOf(REGION).length > 0 ? REGION : COUNTRY;
  }
  return NETWORK;
}

/** "Germany (1,204 events) and Austria (12)", and whether there were more places than shown. */
function describeList(
  level: Level,
  places: Array<PlaceEntry | OrgPlace>,
  name: (code: string) => string,
  unit: string,
  exclude: string | undefined,
): { phrase: string; mostly: boolean } {
  const listed = exclude === undefined ? places : places.filter((place) => place.label !== exclude);
  if (listed.length === 0) return { phrase: '', mostly: false };
  const shown = listed
    .slice(0, SHOWN)
    .map(
      (place, index) =>
        `${placeLabelText(level, place.label, name)} (${formatCount(place.count)}${index === 0 ? ` ${unit}` : ''})`,
    );
  const hidden = listed.length - shown.length;
  if (hidden > 0) shown.push(`${hidden} more`);
  const phrase =
    shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  return { phrase, mostly: hidden > 0 };
}

function placeLabelText(level: Level, label: string, name: (code: string) => string): string {
  if (level === COUNTRY) return name(label);
  if (level === CITY) return labelParts(label)[2];
  if (level === REGION) {
    const [country, region] = labelParts(label);
    return `region ${region} of ${name(country)}`;
  }
  return label;
}

/** How the title names the event's place at the judged level. */
function eventPlace(event: EnrichedEvent, level: Level, name: (code: string) => string): string {
  const { country, region, city } = event.geo;
  switch (level) {
    case COUNTRY:
      return `${name(country!)} (${country})`;
    case REGION:
      return `${region}, ${name(country!)}`;
    case CITY:
      return `${city}, ${name(country!)}`;
    case NETWORK:
      return event.network;
    default:
      return event.ipNormalized;
  }
}

/** "São Paulo, Brazil", "region SP of Brazil", "Brazil", or '' when geoip knows nothing. */
function eventLocation(event: EnrichedEvent, name: (code: string) => string): string {
  if (event.ipKind !== 'public') return `a ${event.ipKind} address range`;
  const { country, region, city } = event.geo;
  if (!country) return '';
  if (city) return `${city}, ${name(country)}`;
  if (region) return `region ${region} of ${name(country)}`;
  return name(country);
}

function usedFrom(mostly: boolean, repeat: boolean): string {
  if (repeat) return 'otherwise used from';
  return mostly ? 'mostly used from' : 'only used from';
}

function pluralEvents(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'event' : 'events'}`;
}

/** 1204 → "1,204", without Intl (deterministic, and cheap). */
function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
