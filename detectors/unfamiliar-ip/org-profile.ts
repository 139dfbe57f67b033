import { CITY, COUNTRY, type Level, NETWORK, REGION } from './places.js';

/**
 * Where the settled keys of one organisation are used, so that a new key of the org is judged
 * against the org instead of against nothing. Only keys that finished learning teach the org, and
 * only places that became familiar to them, so an attacker's new country does not leak into the
 * org profile. Counts are key-days of use (a key teaches a place at most once per day), which keeps
 * one busy key from drowning the others and keeps the per-event cost at zero on most events.
 */
export interface UnfamiliarIpOrgState {
  /** How many keys of the org finished learning and taught it. */
  k: number;
  /** Epoch minute of the latest teaching; a profile not taught within the forgetting horizon is stale. */
  last: number;
  /** Epoch minute of the last forgetting sweep. */
  sw: number;
  /** Per level: label → [key-days, last epoch minute, packed point]. */
  net: Record<string, number[]>;
  city: Record<string, number[]>;
  reg: Record<string, number[]>;
  cc: Record<string, number[]>;
  /** Places in `net`, `city`, `reg` and `cc`, so that adding one does not count a whole table. */
  size: number[];
}

/** The empty profile of an organisation. */
export function newOrgProfile(): UnfamiliarIpOrgState {
  return { k: 0, last: 0, sw: 0, net: table(), city: table(), reg: table(), cc: table(), size: [0, 0, 0, 0] };
}

/**
 * An empty table of places. Without a prototype V8 keeps it as a hash table from the start: a plain
 * `{}` gains a new hidden class with every label it learns (labels are unique per org), which made
 * teaching the org cost microseconds. It serialises to JSON like any object.
 */
function table(): Record<string, number[]> {
  return Object.create(null) as Record<string, number[]>;
}

/** Index in `size` of the table of a level (networks … countries). */
function sizeIndex(level: Level): number {
  return level - NETWORK;
}

const AT_COUNT = 0;
const AT_LAST = 1;
const AT_POINT = 2;

/** The org table of a level; hosts are not kept per org. */
export function orgTable(org: UnfamiliarIpOrgState, level: Level): Record<string, number[]> | undefined {
  switch (level) {
    case NETWORK:
      return org.net;
    case CITY:
      return org.city;
    case REGION:
      return org.reg;
    case COUNTRY:
      return org.cc;
    default:
      return undefined;
  }
}

/** Whether the org has a live profile that a new key can be judged against. */
export function orgHasProfile(
  org: UnfamiliarIpOrgState | undefined,
  cutoff: number,
): org is UnfamiliarIpOrgState {
  return org !== undefined && org.k > 0 && org.last >= cutoff;
}

/** Whether the org knows the place (seen at or after `cutoff`). */
export function orgKnows(org: UnfamiliarIpOrgState, level: Level, label: string, cutoff: number): boolean {
  const table = orgTable(org, level);
  if (!table || !Object.hasOwn(table, label)) return false;
  return table[label]![AT_LAST]! >= cutoff;
}

/** Records one key-day of use of a place; evicts the least recently seen place when the level is full. */
export function teachOrg(
  org: UnfamiliarIpOrgState,
  level: Level,
  label: string,
  minute: number,
  point: number,
  limit: number,
): void {
  const table = orgTable(org, level);
  if (!table) return;
  if (minute > org.last) org.last = minute;
  const known = Object.hasOwn(table, label) ? table[label] : undefined;
  if (known !== undefined) {
    known[AT_COUNT]! += 1;
    if (minute > known[AT_LAST]!) known[AT_LAST] = minute;
    if (known[AT_POINT]! < 0 && point >= 0) known[AT_POINT] = point;
    return;
  }
  if (org.size[sizeIndex(level)]! >= limit) {
    const labels = Object.keys(table);
    let victim = labels[0]!;
    for (const candidate of labels)
      if (table[candidate]![AT_LAST]! < table[victim]![AT_LAST]!) victim = candidate;
    delete table[victim];
  } else {
    org.size[sizeIndex(level)]! += 1;
  }
  table[label] = [1, minute, point];
}

/** Drops places not seen since `cutoff`; an org left with nothing has no profile any more. */
export function forgetOrgPlaces(org: UnfamiliarIpOrgState, cutoff: number): void {
  let kept = 0;
  for (let level = NETWORK as Level; level <= COUNTRY; level++) {
    const table = orgTable(org, level)!;
    let size = 0;
    for (const label of Object.keys(table)) {
      if (table[label]![AT_LAST]! < cutoff) delete table[label];
      else size++;
    }
    org.size[sizeIndex(level)] = size;
    kept += size;
  }
  if (kept === 0) org.k = 0;
}

/** One place of an org profile, decoded. */
export interface OrgPlace {
  label: string;
  count: number;
  /** Epoch minute. */
  last: number;
  point: number;
}

/** The live places of one level, most used first. */
export function orgPlacesAt(org: UnfamiliarIpOrgState, level: Level, cutoff: number): OrgPlace[] {
  const table = orgTable(org, level);
  if (!table) return [];
  const places: OrgPlace[] = [];
  for (const [label, entry] of Object.entries(table)) {
    if (entry[AT_LAST]! < cutoff) continue;
    places.push({ label, count: entry[AT_COUNT]!, last: entry[AT_LAST]!, point: entry[AT_POINT]! });
  }
  return places.sort((a, b) => b.count - a.count || b.last - a.last || (a.label < b.label ? -1 : 1));
}
