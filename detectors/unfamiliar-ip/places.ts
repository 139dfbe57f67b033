import { intToIpv4 } from '../../src/enrich/network.js';
import type { EnrichedEvent } from '../../src/events/types.js';

/**
 * The five levels of a place, from the most specific to the broadest. A higher level that is new
 * is more surprising: new host ≪ new network ≪ new city ≪ new region ≪ new country.
 */
export const HOST = 0;
export const NETWORK = 1;
export const CITY = 2;
export const REGION = 3;
export const COUNTRY = 4;
export type Level = typeof HOST | typeof NETWORK | typeof CITY | typeof REGION | typeof COUNTRY;

/** The grade a finding reports, per level. */
export const GRADES = ['new-host', 'new-network', 'new-city', 'new-region', 'new-country'] as const;
export type Grade = (typeof GRADES)[number];

/** Separator of the parts of a city (`DE|BE|Berlin`) or region (`DE|BE`) label. */
const SEPARATOR = 124; // '|'

/**
 * Which levels the event carries a place at, one bit per level. Only public addresses carry
 * geography; a region or city needs its country.
 */
export function placeMask(event: EnrichedEvent): number {
  let mask = (1 << HOST) | (1 << NETWORK);
  if (event.ipKind !== 'public') return mask;
  const geo = event.geo;
  if (!geo.country) return mask;
  mask |= 1 << COUNTRY;
  if (geo.region) mask |= 1 << REGION;
  if (geo.city) mask |= 1 << CITY;
  return mask;
}

/**
 * The label of the event's place at `level` (allocates for cities and regions: only called when a
 * place is stored or looked up by name).
 */
export function placeLabel(event: EnrichedEvent, level: Level): string {
  const { country, region, city } = event.geo;
  switch (level) {
    case HOST:
      return event.ipNormalized;
    case NETWORK:
      return event.network;
    case CITY:
      return `${country}|${region ?? ''}|${city}`;
    case REGION:
      return `${country}|${region}`;
    default:
      return country ?? '';
  }
}

/**
 * Whether a stored label names the event's place at `level`, without building the event's label
 * (this runs on every event). Only called for levels in the event's `placeMask`.
 */
export function labelMatches(label: string, event: EnrichedEvent, level: Level): boolean {
  switch (level) {
    case HOST:
      return label === event.ipNormalized;
    case NETWORK:
      return label === event.network;
    case COUNTRY:
      return label === event.geo.country;
    case REGION:
      return isPath(label, event.geo.country!, event.geo.region!);
    default:
      return isPath(label, event.geo.country!, event.geo.region ?? '', event.geo.city!);
  }
}

/**
 * A stored label as text: IPv4 addresses and networks are stored as numbers (see `key-profile.ts`),
 * everything else as the text itself.
 *
 * @example labelText(NETWORK, 0x51020a) // '81.2.10.0/24'
 */
export function labelText(level: Level, label: string | number): string {
  if (typeof label === 'string') return label;
  if (level === NETWORK) return `${label >>> 16}.${(label >>> 8) & 255}.${label & 255}.0/24`;
  return intToIpv4(label >>> 0);
}

/** `label === parts.join('|')`, allocation-free. */
function isPath(label: string, first: string, second: string, third?: string): boolean {
  const length = first.length + 1 + second.length + (third === undefined ? 0 : third.length + 1);
  if (label.length !== length) return false;
  if (!label.startsWith(first)) return false;
  let at = first.length;
  if (label.charCodeAt(at) !== SEPARATOR || !label.startsWith(second, at + 1)) return false;
  if (third === undefined) return true;
  at += 1 + second.length;
  return label.charCodeAt(at) === SEPARATOR && label.startsWith(third, at + 1);
}

/** The parts of a city or region label: `DE|BE|Berlin` → `['DE', 'BE', 'Berlin']`. */
export function labelParts(label: string): [country: string, region: string, city: string] {
  const first = label.indexOf('|');
  const second = first < 0 ? -1 : label.indexOf('|', first + 1);
  if (first < 0) return [label, '', ''];
  if (second < 0) return [label.slice(0, first), label.slice(first + 1), ''];
  return [label.slice(0, first), label.slice(first + 1, second), label.slice(second + 1)];
}
