import { ALERT_STATUSES, type AlertStatus } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import { SEVERITY_RANK } from './alert-write.js';
import { type AlertCursor, decodeAlertCursor } from './cursor.js';
import type { AlertQuery } from './types.js';

/** An AlertQuery checked and reduced to what both stores' SQL needs. */
export interface NormalizedAlertQuery {
  keyId: string | undefined;
  minSeverityRank: number | undefined;
  detector: string | undefined;
  status: AlertStatus | undefined;
  /** Canonical ISO, inclusive. */
  since: string | undefined;
  /** Canonical ISO, exclusive. */
  until: string | undefined;
  limit: number;
  after: AlertCursor | undefined;
}

export const MAX_PAGE_SIZE = 500;
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An ISO time in the canonical form `Date#toISOString` produces (what the engine writes), so that times
 * compare correctly as text; undefined when the value is not a time.
 */
export function canonicalIso(value: string): string | undefined {
  if (CANONICAL_ISO.test(value)) return value;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/** Validates a listing query; a bad value is a KW_ERR_BAD_REQUEST naming the field. */
export function normalizeAlertQuery(query: AlertQuery): NormalizedAlertQuery {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badRequest('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  let minSeverityRank: number | undefined;
  if (query.severity !== undefined) {
    minSeverityRank = (SEVERITY_RANK as Record<string, number | undefined>)[query.severity];
    if (minSeverityRank === undefined) throw badRequest('severity', 'severity is not valid');
  }
  if (query.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(query.status)) {
    throw badRequest('status', 'status is not valid');
  }
  return {
    keyId: query.keyId,
    minSeverityRank,
    detector: query.detector,
    status: query.status,
    since: optionalTime(query.since, 'since'),
    until: optionalTime(query.until, 'until'),
    limit,
    after: query.cursor === undefined ? undefined : decodeAlertCursor(query.cursor),
  };
}

function optionalTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const iso = canonicalIso(value);
  if (iso === undefined) throw badRequest(field, `${field} is not a valid ISO time`);
  return iso;
}

function badRequest(field: string, message: string): KeywatchError {
  return new KeywatchError('KW_ERR_BAD_REQUEST', message, { field });
}
