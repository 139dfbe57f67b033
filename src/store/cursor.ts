import { KeywatchError } from '../errors.js';

/** A position in the alert listing, which is ordered by (ts DESC, id DESC). */
export interface AlertCursor {
  /** Canonical ISO time (`YYYY-MM-DDTHH:mm:ss.sssZ`) of the last alert of the previous page. */
  ts: string;
  id: string;
}

const CURSOR_VERSION = 1;
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_CURSOR_LENGTH = 2048;

/**
 * Encodes a listing position as an opaque cursor: base64url JSON with a version tag, so the format can
 * change later without misreading old cursors.
 *
 * @example
 * encodeAlertCursor({ ts: '2026-11-03T09:10:12.000Z', id: 'a1' }); // 'eyJ2IjoxLCJ0cyI6…'
 */
export function encodeAlertCursor(position: AlertCursor): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, ts: position.ts, id: position.id })).toString(
    'base64url',
  );
}

/** Decodes a cursor from `encodeAlertCursor`; anything else is a KW_ERR_BAD_REQUEST. */
export function decodeAlertCursor(cursor: string): AlertCursor {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalidCursor();
  const { v, ts, id } = decoded as { v?: unknown; ts?: unknown; id?: unknown };
  if (v !== CURSOR_VERSION || typeof ts !== 'string' || typeof id !== 'string' || !CANONICAL_ISO.test(ts)) {
    throw invalidCursor();
  }
  if (Number.isNaN(Date.parse(ts))) throw invalidCursor();
  return { ts, id };
}

function invalidCursor(): KeywatchError {
  return new KeywatchError('KW_ERR_BAD_REQUEST', 'cursor is not valid', { field: 'cursor' });
}
