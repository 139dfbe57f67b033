import { KeywatchError } from '../errors.js';
import {
  CANONICAL_FIELDS,
  type CanonicalField,
  EventAssembler,
  type FieldLabels,
} from './event-assembler.js';
import { boundedMessage, describeType } from './rejection-text.js';
import type { ParseResult, Rejection } from './types.js';

export type { CanonicalField } from './event-assembler.js';

/** Named input formats (DESIGN.md contract 1). */
export type EventFormat = 'canonical' | 'webex-audit' | 'mapped';

/**
 * For format `mapped`: the dotted source path of each canonical field, e.g.
 * `{ ts: 'time', keyId: 'client.key_id', ip: 'remote_addr', status: 'resp.code' }`. `ts`, `keyId`
 * and `ip` must be mapped; an optional field that is not mapped is absent from every event.
 */
export type FieldMapping = Partial<Record<CanonicalField, string>>;

export interface EventParserOptions {
  /** Default `canonical`. */
  format?: EventFormat;
  /** Required for format `mapped`, ignored otherwise. */
  mapping?: FieldMapping;
  /** A longer line (UTF-8 bytes) is `oversized_line`, refused before JSON parsing. Default 65536. */
  maxLineBytes?: number;
  /** A longer string field is `oversized_field`. Default 4096. */
  maxFieldChars?: number;
  /** An event later than `referenceTime() + maxFutureMs` is `future_ts`. Default 5 minutes. */
  maxFutureMs?: number;
  /**
   * "Now" for the future check, supplied by the caller so the parser never reads a clock: in live
   * mode the wall clock (`Date.now`), in replay the largest event time accepted so far plus some
   * slack (return `Infinity` before the first event). It must not go backwards: it is called again
   * only when an event lies beyond the previous answer. Without it there is no future check.
   */
  referenceTime?: () => number;
}

/** The result of reading one NDJSON line: the JSON value, or why the line was refused. */
export type LineParseResult = { ok: true; value: unknown } | { ok: false; rejection: Rejection };

const DEFAULT_MAX_LINE_BYTES = 65_536;
const DEFAULT_MAX_FIELD_CHARS = 4096;
const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;

/** Marks a refused line; JSON.parse can never produce an instance, so it cannot be confused with input. */
class RefusedLine {
  constructor(readonly rejection: Rejection) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeLine(line: string, maxLineBytes: number): unknown {
  // A UTF-16 unit is 1–3 UTF-8 bytes: count exact bytes only when the length alone cannot decide.
  if (
    line.length > maxLineBytes ||
    (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes)
  ) {
    return new RefusedLine({
      reason: 'oversized_line',
      message: `The line is longer than ${maxLineBytes} bytes`,
    });
  }
  try {
    return JSON.parse(line);
  } catch (error) {
    return new RefusedLine({
      reason: 'bad_json',
      message: boundedMessage(`The line is not valid JSON: ${(error as Error).message}`),
    });
  }
}

function decodeBytes(bytes: Uint8Array, maxLineBytes: number): unknown {
  if (bytes.byteLength > maxLineBytes) {
    return new RefusedLine({
      reason: 'oversized_line',
      message: `The message is longer than ${maxLineBytes} bytes`,
    });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return new RefusedLine({ reason: 'bad_json', message: 'The message is not valid UTF-8' });
  }
  return decodeLine(text, maxLineBytes);
}

/**
 * Reads one NDJSON line: refuses it as `oversized_line` when longer than `maxLineBytes` UTF-8 bytes
 * (without parsing it), or as `bad_json` with the JSON parser's message.
 *
 * @example parseNdjsonLine('{"ts":1') // { ok: false, rejection: { reason: 'bad_json', message: 'The line is not valid JSON: …' } }
 */
export function parseNdjsonLine(line: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): LineParseResult {
  const value = decodeLine(line, maxLineBytes);
  return value instanceof RefusedLine ? { ok: false, rejection: value.rejection } : { ok: true, value };
}

type Fields = Record<string, unknown>;
type FieldReader = (input: Fields) => unknown;

const EMPTY: Fields = Object.freeze({});

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `The event parser option "${name}" must be a positive integer`,
      {
        setting: name,
      },
    );
  }
  return value;
}

function compilePath(field: CanonicalField, path: unknown): FieldReader {
  const segments = typeof path === 'string' ? path.split('.') : [];
  const bad =
    segments.length === 0 || segments.some((segment) => segment === '' || segment in Object.prototype);
  if (bad) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `The event mapping for "${field}" must be a dotted path of field names, such as "client.key_id"`,
      { setting: `events.mapping.${field}` },
    );
  }
  if (segments.length === 1) {
    const name = segments[0]!;
    return (input) => input[name];
  }
  return (input) => {
    let value: unknown = input;
    for (const segment of segments) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Fields)[segment];
    }
    return value;
  };
}

const CANONICAL_LABELS = Object.fromEntries(
  CANONICAL_FIELDS.map((field) => [field, `"${field}"`]),
) as FieldLabels;

const WEBEX_LABELS: FieldLabels = {
  ...CANONICAL_LABELS,
  ts: '"created" (ts)',
  keyId: '"actorId" (keyId)',
  ip: '"data.actorIp" (ip)',
  path: '"data.eventCategory" (path)',
  userAgent: '"data.actorUserAgent" (userAgent)',
  orgId: '"actorOrgId" (orgId)',
  requestId: '"id" (requestId)',
};

/** `LOGINS` → `logins`; anything but letters, digits and `_` becomes `_`; bounded. */
function auditCategoryPath(category: unknown): unknown {
  if (category === undefined || category === null) return '/audit';
  if (typeof category !== 'string') return category; // refused by the assembler as not a string
  return `/audit/${category
    .slice(0, 64)
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')}`;
}

/**
 * Compiles a parser for one input format. The parser takes an NDJSON line (a string, or the bytes
 * of a Kafka message: size-checked, then JSON-parsed) or an already-parsed value (an element of a
 * posted array), and returns the canonical event or the reason it was refused. It never throws for
 * bad input and reads no clock (see `referenceTime`). Unknown fields are ignored; `null` means
 * absent for optional fields; `method` is upper-cased; `route` is the path's template.
 *
 * @throws KeywatchError `KW_ERR_CONFIG_INVALID` for bad options or mapping.
 * @example
 * const parse = createEventParser({ format: 'canonical', referenceTime: Date.now });
 * parse('{"ts":"2026-11-03T09:10:12.000Z","keyId":"k1","ip":"81.2.69.160","method":"get"}')
 * // { ok: true, event: { ts: 1793697012000, keyId: 'k1', ip: '81.2.69.160', method: 'GET', … } }
 */
export function createEventParser(options: EventParserOptions = {}): (input: unknown) => ParseResult {
  const format = options.format ?? 'canonical';
  const maxLineBytes = positiveInteger(options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 'maxLineBytes');
  const maxFieldChars = positiveInteger(options.maxFieldChars, DEFAULT_MAX_FIELD_CHARS, 'maxFieldChars');
  const maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (!(maxFutureMs >= 0)) {
    throw new KeywatchError('KW_ERR_CONFIG_INVALID', 'The event parser option "maxFutureMs" must be ≥ 0', {
      setting: 'maxFutureMs',
    });
  }
  const settings = { maxFieldChars, maxFutureMs, referenceTime: options.referenceTime };
  let read: (input: Fields) => ParseResult;

  if (format === 'canonical') {
    const assembler = new EventAssembler({ ...settings, labels: CANONICAL_LABELS, lenient: false });
    read = (input) =>
      assembler.assemble(
        input.ts,
        input.keyId,
        input.ip,
        input.method,
        input.path,
        input.status,
        input.bytesOut,
        input.bytesIn,
        input.userAgent,
        input.orgId,
        input.requestId,
      );
  } else if (format === 'webex-audit') {
    const assembler = new EventAssembler({ ...settings, labels: WEBEX_LABELS, lenient: false });
    read = (input) => {
      const data = isObject(input.data) ? input.data : EMPTY;
      return assembler.assemble(
        input.created,
        input.actorId,
        data.actorIp,
        'AUDIT',
        auditCategoryPath(data.eventCategory),
        undefined,
        undefined,
        undefined,
        data.actorUserAgent,
        input.actorOrgId ?? data.actorOrgId,
        input.id ?? data.trackingId,
      );
    };
  } else if (format === 'mapped') {
    read = compileMappedReader(options.mapping, settings);
  } else {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `Unknown event format "${String(format).slice(0, 64)}"`,
      {
        setting: 'format',
      },
    );
  }

  return (input: unknown): ParseResult => {
    let value = input;
    if (typeof input === 'string') value = decodeLine(input, maxLineBytes);
    else if (input instanceof Uint8Array) value = decodeBytes(input, maxLineBytes);
    if (value instanceof RefusedLine) return { ok: false, rejection: value.rejection };
    if (!isObject(value)) {
      return {
        ok: false,
        rejection: {
          reason: 'not_an_object',
          message: `The event must be a JSON object, got ${describeType(value)}`,
        },
      };
    }
    return read(value);
  };
}

function compileMappedReader(
  mapping: FieldMapping | undefined,
  settings: { maxFieldChars: number; maxFutureMs: number; referenceTime: (() => number) | undefined },
): (input: Fields) => ParseResult {
  if (!isObject(mapping)) {
    throw new KeywatchError('KW_ERR_CONFIG_INVALID', 'The event format "mapped" needs a field mapping', {
      setting: 'events.mapping',
    });
  }
  for (const name of Object.keys(mapping)) {
    if (!(CANONICAL_FIELDS as readonly string[]).includes(name)) {
      throw new KeywatchError(
        'KW_ERR_CONFIG_INVALID',
        `The event mapping names an unknown field "${name.slice(0, 64)}"`,
        {
          setting: 'events.mapping',
        },
      );
    }
  }
  const absent: FieldReader = () => undefined;
  const readers = {} as Record<CanonicalField, FieldReader>;
  const labels = { ...CANONICAL_LABELS } as Record<CanonicalField, string>;
  for (const field of CANONICAL_FIELDS) {
    const path = mapping[field];
    if (path === undefined) {
      if (field === 'ts' || field === 'keyId' || field === 'ip') {
        throw new KeywatchError(
          'KW_ERR_CONFIG_INVALID',
          `The event mapping must map the required field "${field}"`,
          {
            setting: `events.mapping.${field}`,
          },
        );
      }
      readers[field] = absent;
    } else {
      readers[field] = compilePath(field, path);
      labels[field] = `"${path}" (${field})`;
    }
  }
  const assembler = new EventAssembler({ ...settings, labels, lenient: true });
  const { ts, keyId, ip, method, path, status, bytesOut, bytesIn, userAgent, orgId, requestId } = readers;
  return (input) =>
    assembler.assemble(
      ts(input),
      keyId(input),
      ip(input),
      method(input),
      path(input),
      status(input),
      bytesOut(input),
      bytesIn(input),
      userAgent(input),
      orgId(input),
      requestId(input),
    );
}
