import { isValidIp } from '../enrich/network.js';
import { isIsoWithoutOffset, parseIsoTimestamp } from './iso-timestamp.js';
import { toRouteTemplate } from './path-template.js';
import { describeType, quoteValue } from './rejection-text.js';
import type { AccessEvent, ParseResult, Rejection, RejectReason } from './types.js';

/** The fields of the canonical event (DESIGN.md contract 1), in the order they are checked. */
export const CANONICAL_FIELDS = [
  'ts',
  'keyId',
  'ip',
  'method',
  'path',
  'status',
  'bytesOut',
  'bytesIn',
  'userAgent',
  'orgId',
  'requestId',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** How each field is named in messages, e.g. `"ip"` or `"data.actorIp" (ip)`. */
export type FieldLabels = Readonly<Record<CanonicalField, string>>;

export interface AssemblerSettings {
  labels: FieldLabels;
  maxFieldChars: number;
  maxFutureMs: number;
  /** See `EventParserOptions.referenceTime`; `undefined` turns the future check off. */
  referenceTime: (() => number) | undefined;
  /**
   * For gateway logs (format `mapped`): integer fields may be digit strings (`"status":"200"`), and
   * `"-"` or `""` mean the field is absent (the nginx / Apache convention).
   */
  lenient: boolean;
}

/** Epoch milliseconds below this (1973-03-03) are almost surely epoch seconds; refused, not guessed. */
const MIN_EPOCH_MS = 100_000_000_000;
/** 9999-12-31T23:59:59.999Z */
const MAX_EPOCH_MS = 253_402_300_799_999;
const MAX_KEY_ID_CHARS = 256;
const MAX_METHOD_CHARS = 32;

const INVALID: unique symbol = Symbol('invalid');
type Checked<T> = T | undefined | typeof INVALID;

/** Control characters in a key id would let it forge log lines and break displays. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code === 127) return true;
  }
  return false;
}

/** RFC 9110 `tchar`: what an HTTP method may contain. */
function isTokenCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    (code > 32 && code < 127 && "!#$%&'*+-.^_`|~".includes(String.fromCharCode(code)))
  );
}

/**
 * Validates raw field values (already picked out of the input by a format) and builds the canonical
 * event. One instance per parser: it holds the settings and the cached future-time ceiling.
 */
export class EventAssembler {
  private readonly labels: FieldLabels;
  private readonly maxFieldChars: number;
  private readonly maxFutureMs: number;
  private readonly referenceTime: (() => number) | undefined;
  private readonly lenient: boolean;
  /** `referenceTime() + maxFutureMs` as last read; re-read only when an event lies beyond it. */
  private futureCeiling: number;
  private rejection: Rejection = { reason: 'invalid_field', message: '' };

  constructor(settings: AssemblerSettings) {
    this.labels = settings.labels;
    this.maxFieldChars = settings.maxFieldChars;
    this.maxFutureMs = settings.maxFutureMs;
    this.referenceTime = settings.referenceTime;
    this.lenient = settings.lenient;
    this.futureCeiling =
      settings.referenceTime === undefined ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  assemble(
    ts: unknown,
    keyId: unknown,
    ip: unknown,
    method: unknown,
    path: unknown,
    status: unknown,
    bytesOut: unknown,
    bytesIn: unknown,
    userAgent: unknown,
    orgId: unknown,
    requestId: unknown,
  ): ParseResult {
    const time = this.timestamp(ts);
    if (time === INVALID) return this.failed();
    const key = this.keyId(keyId);
    if (key === INVALID) return this.failed();
    const address = this.ip(ip);
    if (address === INVALID) return this.failed();
    const methodText = this.method(method);
    if (methodText === INVALID) return this.failed();
    const pathText = this.text(path, 'path');
    if (pathText === INVALID) return this.failed();
    const statusCode = this.integer(status, 'status', 100, 599);
    if (statusCode === INVALID) return this.failed();
    const sent = this.integer(bytesOut, 'bytesOut', 0, Number.MAX_SAFE_INTEGER);
    if (sent === INVALID) return this.failed();
    const received = this.integer(bytesIn, 'bytesIn', 0, Number.MAX_SAFE_INTEGER);
    if (received === INVALID) return this.failed();
    const agent = this.text(userAgent, 'userAgent');
    if (agent === INVALID) return this.failed();
    const org = this.text(orgId, 'orgId');
    if (org === INVALID) return this.failed();
    const request = this.text(requestId, 'requestId');
    if (request === INVALID) return this.failed();
    // Every event has the same property order, so code downstream sees one object shape.
    const event: AccessEvent = {
      ts: time,
      keyId: key,
      ip: address,
      method: methodText,
      path: pathText,
      route: pathText === undefined ? undefined : toRouteTemplate(pathText),
      status: statusCode,
      bytesOut: sent,
      bytesIn: received,
      userAgent: agent,
      orgId: org,
      requestId: request,
    };
    return { ok: true, event };
  }

  private failed(): ParseResult {
    return { ok: false, rejection: this.rejection };
  }

  private reject(reason: RejectReason, message: string): typeof INVALID {
    this.rejection = { reason, message };
    return INVALID;
  }

  private isAbsent(value: unknown): boolean {
    return value === undefined || value === null || (this.lenient && (value === '-' || value === ''));
  }

  private tooLong(value: string, field: CanonicalField): boolean {
    if (value.length <= this.maxFieldChars) return false;
    this.reject(
      'oversized_field',
      `${this.labels[field]} is longer than ${this.maxFieldChars} characters (${value.length})`,
    );
    return true;
  }

  private timestamp(value: unknown): number | typeof INVALID {
    const label = this.labels.ts;
    let time: number;
    if (typeof value === 'string' && !this.isAbsent(value)) {
      if (this.tooLong(value, 'ts')) return INVALID;
      time = parseIsoTimestamp(value);
      if (Number.isNaN(time)) return this.reject('invalid_ts', invalidTimestampMessage(label, value));
      if (time < 0) return this.reject('invalid_ts', `${label} is before 1970: ${quoteValue(value)}`);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value) || value > MAX_EPOCH_MS) {
        return this.reject('invalid_ts', `${label} is not a usable epoch-milliseconds time: ${value}`);
      }
      if (value < MIN_EPOCH_MS) {
        return this.reject(
          'invalid_ts',
          `${label} is ${value}, which is before 1973 as epoch milliseconds (epoch seconds are not accepted)`,
        );
      }
      time = Math.floor(value);
    } else if (this.isAbsent(value)) {
      return this.reject('missing_ts', `${label} is required`);
    } else {
      return this.reject(
        'invalid_ts',
        `${label} must be an ISO-8601 string with offset or epoch milliseconds, got ${describeType(value)}`,
      );
    }
    if (time > this.futureCeiling) {
      // The reference only moves forward, so it is read again only when an event passes the old one.
      this.futureCeiling = this.referenceTime!() + this.maxFutureMs;
      if (time > this.futureCeiling) {
        return this.reject(
          'future_ts',
          `${label} is ${new Date(time).toISOString()}, more than ${Math.round(this.maxFutureMs / 1000)} s ` +
            `after the reference time ${formatReference(this.futureCeiling - this.maxFutureMs)}`,
        );
      }
    }
    return time;
  }

  private keyId(value: unknown): string | typeof INVALID {
    const label = this.labels.keyId;
    if (this.isAbsent(value)) return this.reject('missing_key_id', `${label} is required`);
    if (typeof value !== 'string') {
      return this.reject('invalid_key_id', `${label} must be a string, got ${describeType(value)}`);
    }
    if (value.length === 0) return this.reject('invalid_key_id', `${label} is empty`);
    if (this.tooLong(value, 'keyId')) return INVALID;
    if (value.length > MAX_KEY_ID_CHARS) {
      return this.reject(
        'invalid_key_id',
        `${label} is longer than ${MAX_KEY_ID_CHARS} characters (${value.length})`,
      );
    }
    if (hasControlCharacter(value)) {
      return this.reject('invalid_key_id', `${label} contains control characters: ${quoteValue(value)}`);
    }
    return value;
  }

  private ip(value: unknown): string | typeof INVALID {
    const label = this.labels.ip;
    if (this.isAbsent(value)) return this.reject('missing_ip', `${label} is required`);
    if (typeof value !== 'string') {
      return this.reject('invalid_ip', `${label} must be a string, got ${describeType(value)}`);
    }
    if (this.tooLong(value, 'ip')) return INVALID;
    if (!isValidIp(value)) {
      return this.reject('invalid_ip', `${label} is not a valid IPv4 or IPv6 address: ${quoteValue(value)}`);
    }
    return value;
  }

  private text(value: unknown, field: CanonicalField): Checked<string> {
    if (this.isAbsent(value)) return undefined;
    if (typeof value !== 'string') {
      return this.reject(
        'invalid_field',
        `${this.labels[field]} must be a string, got ${describeType(value)}`,
      );
    }
    if (this.tooLong(value, field)) return INVALID;
    // No access log carries NUL; it would also be refused by PostgreSQL's text and JSON types.
    if (value.includes('\u0000')) {
      return this.reject('invalid_field', `${this.labels[field]} contains a NUL character`);
    }
    return value;
  }

  private method(value: unknown): Checked<string> {
    const text = this.text(value, 'method');
    if (text === undefined || text === INVALID) return text;
    let lowerCase = false;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (!isTokenCharacter(code)) {
        return this.reject(
          'invalid_field',
          `${this.labels.method} is not an HTTP method: ${quoteValue(text)}`,
        );
      }
      if (code >= 97 && code <= 122) lowerCase = true;
    }
    if (text.length === 0 || text.length > MAX_METHOD_CHARS) {
      return this.reject('invalid_field', `${this.labels.method} is not an HTTP method: ${quoteValue(text)}`);
    }
    return lowerCase ? text.toUpperCase() : text;
  }

  private integer(value: unknown, field: CanonicalField, min: number, max: number): Checked<number> {
    if (this.isAbsent(value)) return undefined;
    let number = value;
    if (this.lenient && typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) number = Number(value);
    if (typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max)
      return number;
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    const got =
      typeof value === 'number' || typeof value === 'string' ? quoteValue(value) : describeType(value);
    return this.reject('invalid_field', `${this.labels[field]} must be an integer ${range}, got ${got}`);
  }
}

function invalidTimestampMessage(label: string, value: string): string {
  if (isIsoWithoutOffset(value)) {
    return `${label} has no UTC offset, so its instant is ambiguous: ${quoteValue(value)} (add Z or ±HH:MM)`;
  }
  if (/^[0-9]+$/.test(value)) {
    return `${label} is a string of digits; epoch milliseconds must be a JSON number: ${quoteValue(value)}`;
  }
  return `${label} is not an ISO-8601 time with offset: ${quoteValue(value)}`;
}

function formatReference(reference: number): string {
  return Number.isFinite(reference) && Math.abs(reference) <= MAX_EPOCH_MS
    ? new Date(reference).toISOString()
    : String(reference);
}
