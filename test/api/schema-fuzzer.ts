/**
 * Randomised values and requests from JSON schemas (as the OpenAPI document shows them), for the API
 * fuzz test: valid values, and mutations of them (wrong types, missing or extra fields, boundary
 * lengths, hostile strings, random code units). Deterministic for a seed.
 */

/** The subset of JSON Schema the API's OpenAPI document uses. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  examples?: unknown[];
}

/** A seeded PRNG (mulberry32) with the helpers the fuzzer needs. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

export const HOSTILE_STRINGS = [
  "' OR 1=1 --",
  '"; DROP TABLE alerts; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'a\u0000b',
  '\u0000',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack string
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '%00',
  '%2e%2e%2f',
  '\u202Eevil',
  '\uD800',
  '\uDFFF\uD800',
  '🔑💥',
  ' ',
  '',
  'null',
  'NaN',
  '-1',
  '1e309',
  '\r\nX-Injected: 1',
];

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

function randomText(random: Random, length: number, alphabet = ALPHABET): string {
  let text = '';
  for (let index = 0; index < length; index++) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

/** Any UTF-16 code units: controls, NUL, lone surrogates, non-BMP, right-to-left marks. */
export function randomCodeUnits(random: Random, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) {
    const kind = random.int(0, 5);
    if (kind === 0) text += String.fromCharCode(random.int(0, 31));
    else if (kind === 1) text += String.fromCharCode(random.int(0xd800, 0xdfff));
    else if (kind === 2) text += String.fromCodePoint(random.int(0x10000, 0x10ffff));
    else if (kind === 3) text += String.fromCharCode(random.int(0x80, 0xffff));
    else text += String.fromCharCode(random.int(32, 126));
  }
  return text;
}

function randomIsoTime(random: Random): string {
  const millis = Date.UTC(2020, 0, 1) + random.int(0, 10 * 365) * 86_400_000 + random.int(0, 86_399_999);
  const iso = new Date(millis).toISOString();
  if (random.chance(0.7)) return iso;
  const hours = random.int(-12, 14);
  const sign = hours < 0 ? '-' : '+';
  return `${iso.slice(0, 19)}${sign}${String(Math.abs(hours)).padStart(2, '0')}:${random.pick(['00', '30'])}`;
}

/** Candidate strings tried against a pattern, in the families the API's patterns describe. */
function patternCandidates(random: Random, hints: readonly string[]): string[] {
  return [
    ...hints,
    `kw_${randomText(random, 24, '0123456789abcdef')}`,
    randomText(random, random.int(1, 30)),
    randomText(random, random.int(1, 20), 'abcdefghijklmnopqrstuvwxyz0123456789-'),
    randomText(random, 2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    Buffer.from(randomText(random, random.int(1, 40))).toString('base64url'),
    Buffer.from(JSON.stringify({ v: 1, ts: randomIsoTime(random), id: 'kw_x' })).toString('base64url'),
    randomText(random, random.int(1, 12), 'abcdefghijklmnopqrstuvwxyz ./#%&?é'),
  ];
}

function fitsLength(text: string, schema: JsonSchema): boolean {
  return (
    text.length >= (schema.minLength ?? 0) && text.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY)
  );
}

/** A string the schema accepts (pattern, format, length). */
function validString(schema: JsonSchema, random: Random, hints: readonly string[]): string {
  if (schema.format === 'date-time') return randomIsoTime(random);
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern, 'u');
    const candidates = patternCandidates(random, hints);
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = random.int(0, candidates.length - 1);
      for (let offset = 0; offset < candidates.length; offset++) {
        const candidate = candidates[(start + offset) % candidates.length]!;
        if (pattern.test(candidate) && fitsLength(candidate, schema)) return candidate;
      }
    }
  }
  if (hints.length > 0 && random.chance(0.5)) {
    const hint = random.pick(hints);
    if (fitsLength(hint, schema)) return hint;
  }
  const low = schema.minLength ?? 0;
  const high = Math.min(schema.maxLength ?? low + 40, low + 40);
  return randomText(random, random.int(low, high));
}

/** Arbitrary JSON, sometimes shaped like an access-log event. */
export function randomJson(random: Random, depth = 0): unknown {
  const kind = depth > 3 ? random.int(0, 4) : random.int(0, 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.chance(0.5) ? random.int(-1e6, 1e6) : random.next() * 1e12;
    case 3:
      return random.chance(0.3) ? random.pick(HOSTILE_STRINGS) : randomText(random, random.int(0, 20));
    case 4:
      return randomCodeUnits(random, random.int(0, 10));
    case 5:
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth + 1));
    case 6:
      return randomEventLike(random);
    default: {
      const value: Record<string, unknown> = {};
      for (let index = random.int(0, 4); index > 0; index--)
        value[randomText(random, random.int(1, 8))] = randomJson(random, depth + 1);
      return value;
    }
  }
}

/** An object with the canonical event fields, each valid or not. */
export function randomEventLike(random: Random): Record<string, unknown> {
  const event: Record<string, unknown> = {
    ts: random.chance(0.8)
      ? random.chance(0.5)
        ? randomIsoTime(random)
        : Date.parse(randomIsoTime(random))
      : randomJson(random, 4),
    keyId: random.chance(0.8) ? `key-${random.int(0, 5)}` : randomJson(random, 4),
    ip: random.chance(0.8)
      ? `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(0, 255)}`
      : randomJson(random, 4),
  };
  if (random.chance(0.5)) event.method = random.pick(['GET', 'POST', 'DELETE', '']);
  if (random.chance(0.5))
    event.path = random.pick(['/v1/rooms', '/v1/messages/Y2lzY29zcGFyazovL3Vz', HOSTILE_STRINGS[3]]);
  if (random.chance(0.3)) event.status = random.pick([200, 401, 500, -1, 1e12, '200']);
  if (random.chance(0.2)) event.requestId = randomText(random, 8);
  if (random.chance(0.2)) event.extra = randomJson(random, 3);
  return event;
}

/** Value hints by property name (ids that exist, so valid requests also reach the happy paths). */
export type Hints = Readonly<Record<string, readonly string[]>>;

/** A value the schema accepts. */
export function validValue(schema: JsonSchema, random: Random, hints: Hints = {}, name = ''): unknown {
  const examples = schema.examples ?? (schema.example !== undefined ? [schema.example] : []);
  if (examples.length > 0 && random.chance(0.5)) return structuredClone(random.pick(examples));
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return random.pick(schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return validValue(random.pick(branches), random, hints, name);
  switch (schema.type) {
    case 'string':
      return validString(schema, random, hints[name] ?? []);
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? -1000;
      const high = schema.maximum ?? 1000;
      const value = random.int(Math.ceil(low), Math.floor(high));
      return schema.type === 'number' && random.chance(0.3) ? Math.min(high, value + random.next()) : value;
    }
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const low = schema.minItems ?? 0;
      const high = Math.min(schema.maxItems ?? low + 4, low + 4);
      const items = schema.items ?? {};
      const length = random.int(low, high);
      if (Object.keys(items).length === 0) return Array.from({ length }, () => randomEventLike(random));
      return Array.from({ length }, () => validValue(items, random, hints, name));
    }
    case 'object': {
      const value: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
        if (required.has(property) || random.chance(0.5))
          value[property] = validValue(propertySchema, random, hints, property);
      }
      if (schema.properties === undefined || Object.keys(schema.properties).length === 0) {
        return random.chance(0.7) ? randomEventLike(random) : value;
      }
      return value;
    }
    default:
      return randomJson(random);
  }
}

/** A value of another JSON type than the schema's. */
function wrongType(schema: JsonSchema, random: Random): unknown {
  const options: unknown[] = [null, true, 42, -1.5, 'text', [], {}, [1, 'a'], { nested: { deeper: [] } }];
  const type = schema.type;
  const filtered = options.filter((option) => {
    if (type === 'string') return typeof option !== 'string';
    if (type === 'integer' || type === 'number') return typeof option !== 'number';
    if (type === 'boolean') return typeof option !== 'boolean';
    if (type === 'array') return !Array.isArray(option);
    if (type === 'object') return typeof option !== 'object' || option === null || Array.isArray(option);
    return true;
  });
  return random.pick(filtered);
}

/** A value at or just past the schema's bounds. */
function boundaryValue(schema: JsonSchema, random: Random): unknown {
  if (schema.type === 'string') {
    const lengths = [
      0,
      1,
      (schema.minLength ?? 1) - 1,
      schema.maxLength ?? 300,
      (schema.maxLength ?? 300) + 1,
      5000,
    ];
    return 'a'.repeat(Math.max(0, random.pick(lengths)));
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return random.pick([
      (schema.minimum ?? 0) - 1,
      schema.minimum ?? 0,
      schema.maximum ?? 0,
      (schema.maximum ?? 0) + 1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      1e308,
      0.5,
      -0,
    ]);
  }
  if (schema.type === 'array') {
    const length = random.pick([0, (schema.maxItems ?? 10) + 1, 300]);
    return Array.from({ length }, () => (schema.items ? validValue(schema.items, random) : 1));
  }
  return wrongType(schema, random);
}

/** A mutation of a valid value: the fuzzer's invalid (or odd) inputs. */
export function mutatedValue(schema: JsonSchema, random: Random, hints: Hints = {}, name = ''): unknown {
  const kind = random.int(0, 7);
  if (kind === 0) return wrongType(schema, random);
  if (kind === 1) return boundaryValue(schema, random);
  if (kind === 2) return random.pick(HOSTILE_STRINGS);
  if (kind === 3) return randomCodeUnits(random, random.int(1, 40));
  if (kind === 4) return randomJson(random);
  const valid = validValue(schema, random, hints, name);
  if (valid === null || typeof valid !== 'object') return wrongType(schema, random);
  if (Array.isArray(valid)) {
    if (valid.length > 0 && schema.items)
      valid[random.int(0, valid.length - 1)] = mutatedValue(schema.items, random, hints, name);
    else valid.push(randomJson(random));
    return valid;
  }
  const record = valid as Record<string, unknown>;
  const properties = Object.keys(schema.properties ?? {});
  if (kind === 5 && (schema.required ?? []).length > 0) {
    delete record[random.pick(schema.required!)];
  } else if (kind === 6 || properties.length === 0) {
    record[random.pick(['extra', '__proto__', 'constructor', randomText(random, 6)])] = randomJson(random);
  } else {
    const property = random.pick(properties);
    record[property] = mutatedValue(schema.properties![property]!, random, hints, property);
  }
  return record;
}

/** Percent-encodes text for a URL; code units that cannot be encoded become random escapes. */
export function encodeForUrl(text: string, random: Random): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return Array.from(
      { length: random.int(1, 6) },
      () => `%${random.int(0, 255).toString(16).padStart(2, '0')}`,
    ).join('');
  }
}
