/**
 * An access-log event in the canonical shape (DESIGN.md contract 1), after parsing and validation.
 * `ts` is epoch milliseconds of event time; `route` is the path normalised into a template
 * (`/v1/rooms/Y2lz…` → `/v1/rooms/{id}`).
 */
export interface AccessEvent {
  ts: number;
  keyId: string;
  ip: string;
  method?: string;
  path?: string;
  route?: string;
  status?: number;
  bytesOut?: number;
  bytesIn?: number;
  userAgent?: string;
  orgId?: string;
  requestId?: string;
}

/** What geoip-lite knows of an address; `null` fields when the database has no answer. */
export interface GeoInfo {
  country: string | null;
  region: string | null;
  city: string | null;
  lat: number | null;
  lon: number | null;
  timezone: string | null;
}

/** Address class of the source IP: only `public` addresses carry geography. */
export type IpKind = 'public' | 'private' | 'loopback' | 'link-local' | 'reserved';

/** An event with what enrichment adds: geography, network prefix (/24 or /48) and address class. */
export interface EnrichedEvent extends AccessEvent {
  ipVersion: 4 | 6;
  /** Canonical text of the address (lower-case, compressed IPv6). */
  ipNormalized: string;
  /** `203.0.113.0/24` for IPv4, `2001:db8:1::/48` for IPv6. */
  network: string;
  ipKind: IpKind;
  geo: GeoInfo;
}

/** Why an input line or message was not accepted; stable, used as a metric label. */
export type RejectReason =
  | 'bad_json'
  | 'not_an_object'
  | 'missing_ts'
  | 'invalid_ts'
  | 'future_ts'
  | 'missing_key_id'
  | 'invalid_key_id'
  | 'missing_ip'
  | 'invalid_ip'
  | 'invalid_field'
  | 'oversized_line'
  | 'oversized_field'
  | 'duplicate';

export interface Rejection {
  reason: RejectReason;
  message: string;
}

export type ParseResult = { ok: true; event: AccessEvent } | { ok: false; rejection: Rejection };
