import type { EnrichedEvent } from '../events/types.js';

/**
 * The clients of one key: who uses it from where, with which user agent and endpoints — the list of
 * services that would break if the key were rotated now. Compact: one flat tuple per client
 * `[network, userAgent, events, firstSeenMinute, lastSeenMinute, endpoints]`, at most
 * `MAX_CLIENTS` clients (least recently seen evicted) and `MAX_ENDPOINTS` endpoints each.
 */
export type ClientEntry = [string, string | null, number, number, number, string[]];

export const MAX_CLIENTS = 16;
export const MAX_ENDPOINTS = 8;
const MAX_USER_AGENT = 256;

/** Records one event in a key's client list (created on first use); returns the list. */
export function recordClient(clients: ClientEntry[] | undefined, event: EnrichedEvent): ClientEntry[] {
  const list = clients ?? [];
  const userAgent = event.userAgent === undefined ? null : event.userAgent;
  const minute = Math.floor(event.ts / 60_000);
  let entry: ClientEntry | undefined;
  for (let index = 0; index < list.length; index++) {
    const candidate = list[index]!;
    if (candidate[0] === event.network && candidate[1] === userAgent) {
      entry = candidate;
      break;
    }
  }
  if (entry === undefined) {
    if (list.length >= MAX_CLIENTS) {
      let oldest = 0;
      for (let index = 1; index < list.length; index++)
        if (list[index]![4] < list[oldest]![4]) oldest = index;
      list.splice(oldest, 1);
    }
    entry = [
      event.network,
      userAgent === null ? null : userAgent.slice(0, MAX_USER_AGENT),
      0,
      minute,
      minute,
      [],
    ];
    list.push(entry);
  }
  entry[2]++;
  if (minute > entry[4]) entry[4] = minute;
  if (minute < entry[3]) entry[3] = minute;
  const endpoint = event.route === undefined ? undefined : `${event.method ?? ''} ${event.route}`.trim();
  if (endpoint !== undefined && entry[5].length < MAX_ENDPOINTS && !entry[5].includes(endpoint))
    entry[5].push(endpoint);
  return list;
}

/** The client list as the API shows it, most recently seen first. */
export function describeClients(clients: readonly ClientEntry[] | undefined): Array<{
  network: string;
  userAgent: string | null;
  endpoints: string[];
  events: number;
  firstSeen: string;
  lastSeen: string;
}> {
  return [...(clients ?? [])]
    .sort((a, b) => b[4] - a[4] || b[2] - a[2])
    .map(([network, userAgent, events, first, last, endpoints]) => ({
      network,
      userAgent,
      endpoints: [...endpoints].sort(),
      events,
      firstSeen: new Date(first * 60_000).toISOString(),
      lastSeen: new Date(last * 60_000).toISOString(),
    }));
}
