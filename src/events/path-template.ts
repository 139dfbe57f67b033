/** Templates longer than this are cut at a segment boundary and end in `/{more}`. */
const MAX_TEMPLATE_CHARS = 256;
const MAX_SEGMENTS = 16;
/** No API word is this long; a longer segment is a value. */
const MAX_WORD_CHARS = 64;
const ID = '{id}';
const MORE = '/{more}';
/** Stands for `{id}` in a template's hash, where words count by their length (never this large). */
const ID_MARK = 0x10000;
const SLASH = 47;

/**
 * Templates handed out so far, by hash (direct-mapped; a clash only costs building one again). Every
 * event of one operation gets the same string instance, so maps keyed by route downstream find it
 * already hashed, and templating allocates nothing once an operation has been seen.
 */
const INTERNED_SLOTS = 4096;
const interned: Array<string | undefined> = new Array(INTERNED_SLOTS).fill(undefined);

// The segments of the path being templated (scratch, so templating allocates nothing).
const segmentStarts = new Int32Array(MAX_SEGMENTS);
const segmentEnds = new Int32Array(MAX_SEGMENTS);
const segmentIsValue = new Uint8Array(MAX_SEGMENTS);

/** Whether `text` has `Y2lz` (base64 of `cis`, how every Webex id starts) at `index`. */
function isWebexIdStart(text: string, index: number): boolean {
  // Four character reads cost less than a call to `startsWith` on this hot path.
  return (
    text.charCodeAt(index) === 89 &&
    text.charCodeAt(index + 1) === 50 &&
    text.charCodeAt(index + 2) === 108 &&
    text.charCodeAt(index + 3) === 122
  );
}

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

function isUuid(text: string, start: number, end: number): boolean {
  if (end - start !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
    } else if (!isHexCode(code)) {
      return false;
    }
  }
  return true;
}

/**
 * `isValueSegment` for a segment of fewer than 12 characters, where only the digit rules and the
 * email marks can apply (every other rule needs 12 or more): words such as `v1` and `rooms` are
 * decided with one cheap pass.
 */
function isShortValueSegment(text: string, start: number, end: number): boolean {
  let digits = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
    else if (code === 64) return true;
    else if (code === 37 && i + 2 < end && text.charCodeAt(i + 1) === 52 && text.charCodeAt(i + 2) === 48) {
      return true;
    }
  }
  const length = end - start;
  return digits === length || (length >= 4 && digits * 2 > length);
}

/**
 * Whether the path segment `text[start, end)` is a value rather than a word of the API: a number,
 * a UUID, hex of 16+ characters, an email (also `%40`-encoded), a Webex id (base64 of `ciscospark://…`,
 * which starts `Y2lz`), a long base64url token with digits or random-looking mixed case, a long
 * token with several digits, or anything longer than any API word.
 */
function isValueSegment(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length > MAX_WORD_CHARS) return true;
  if (length < 12) return isShortValueSegment(text, start, end);
  // A Webex id, the most common value by far: decided before counting anything.
  if (isWebexIdStart(text, start)) return true;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let hex = 0;
  let base64url = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
    else if (code >= 65 && code <= 90) upper++;
    else if (code >= 97 && code <= 122) lower++;
    else if (code === 64)
      return true; // '@': an email
    else if (code === 37 && i + 2 < end && text.charCodeAt(i + 1) === 52 && text.charCodeAt(i + 2) === 48) {
      return true; // '%40': an encoded email
    } else if (code !== 45 && code !== 95 && code !== 61) {
      continue; // not base64url: counts towards nothing
    }
    base64url++;
    if (isHexCode(code)) hex++;
  }
  if (digits === length) return true;
  if (hex === length && length >= 16) return true;
  if (length === 36 && isUuid(text, start, end)) return true;
  const letters = upper + lower;
  if (base64url === length && length >= 16) {
    if (digits > 0 && letters > 0) return true;
    // Random base64 is about half upper case; API words (camelCase included) are mostly lower case.
    if (upper * 4 >= letters && lower > 0) return true;
  }
  if (length >= 12 && digits >= 2 && letters > 0) return true;
  // Mostly digits (dates such as 2026-11-03, version-like counters): a value.
  return length >= 4 && digits * 2 > length;
}

/** Where the path part ends: before the query or the fragment. */
function pathEnd(path: string): number {
  // Native indexOf is much faster than a character loop on long paths.
  let end = path.length;
  const query = path.indexOf('?');
  if (query >= 0) end = query;
  const fragment = path.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  return end;
}

/** Where the path part starts: after the scheme and authority of an absolute URL, else 0. */
function pathStart(path: string, end: number): number {
  if (path.charCodeAt(0) === SLASH) return 0; // a scheme starts with a letter
  const scheme = path.indexOf('://');
  if (scheme > 0 && scheme < 10 && scheme < end && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(path.slice(0, scheme))) {
    const slash = path.indexOf('/', scheme + 3);
    return slash < 0 || slash > end ? end : slash;
  }
  return 0;
}

/** Segments shorter than this are scanned in JavaScript; a native search is cheaper for longer ones. */
const SHORT_SEGMENT = 12;

/** Where the segment that starts at `from` ends: at the next `/`, or at `end`. */
function segmentEndOf(path: string, from: number, end: number): number {
  // A Webex id is long: go straight to the native search.
  const limit = isWebexIdStart(path, from) ? from : Math.min(end, from + SHORT_SEGMENT);
  for (let i = from; i < limit; i++) if (path.charCodeAt(i) === SLASH) return i;
  if (limit === end) return end;
  const slash = path.indexOf('/', limit);
  return slash < 0 || slash > end ? end : slash;
}

/** Builds the template piece by piece, cutting it when it gets too long (the rare, slow way). */
function buildTemplate(path: string, start: number, end: number): string {
  // Pieces are joined at the end: the result is one flat string, cheap to read and to hash.
  const pieces = [''];
  let length = 0;
  let segmentStart = start;
  while (segmentStart <= end) {
    const segmentEnd = segmentEndOf(path, segmentStart, end);
    if (segmentEnd > segmentStart) {
      const piece = isValueSegment(path, segmentStart, segmentEnd)
        ? ID
        : path.slice(segmentStart, segmentEnd);
      if (pieces.length > MAX_SEGMENTS || length + 1 + piece.length > MAX_TEMPLATE_CHARS - MORE.length) {
        return pieces.join('/') + MORE;
      }
      pieces.push(piece);
      length += 1 + piece.length;
    }
    segmentStart = segmentEnd + 1;
  }
  return pieces.length === 1 ? '/' : pieces.join('/');
}

/** Whether `text` has `{id}` at `index` (character reads: cheaper than `startsWith` here). */
function isIdAt(text: string, index: number): boolean {
  return (
    text.charCodeAt(index) === 123 &&
    text.charCodeAt(index + 1) === 105 &&
    text.charCodeAt(index + 2) === 100 &&
    text.charCodeAt(index + 3) === 125
  );
}

/** Whether `template` is exactly the `count` scanned segments of `path` (words kept, values `{id}`). */
function spellsSegments(template: string, path: string, count: number): boolean {
  let position = 0;
  for (let segment = 0; segment < count; segment++) {
    if (template.charCodeAt(position++) !== SLASH) return false;
    if (segmentIsValue[segment] === 1) {
      if (!isIdAt(template, position)) return false;
      position += ID.length;
      continue;
    }
    const start = segmentStarts[segment]!;
    const length = segmentEnds[segment]! - start;
    for (let i = 0; i < length; i++) {
      if (template.charCodeAt(position + i) !== path.charCodeAt(start + i)) return false;
    }
    position += length;
  }
  return position === template.length;
}

/**
 * The route template of a request path, so that calls to one API operation group together: query
 * and fragment dropped, scheme and host dropped from absolute URLs, repeated and trailing slashes
 * collapsed, and id-like segments replaced by `{id}`. Words such as `v1`, `rooms`, `messages`,
 * `people`, `me` stay. The result is at most 256 characters (`/{more}` marks a cut).
 *
 * The path is scanned once into segments while hashing the template they spell; a template already
 * handed out under that hash is checked against the segments and returned as the same instance.
 *
 * @example
 * toRouteTemplate('/v1/messages/Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJk?max=10') // '/v1/messages/{id}'
 * toRouteTemplate('//v1/people/me/')                                          // '/v1/people/me'
 */
export function toRouteTemplate(path: string): string {
  const end = pathEnd(path);
  const start = pathStart(path, end);
  let count = 0;
  let length = 0;
  // A hash of what the template spells: each word's length and outer characters, or the `{id}` mark.
  // It only picks the slot; the template found there is checked in full.
  let hash = 0;
  let segmentStart = start;
  while (segmentStart <= end) {
    const segmentEnd = segmentEndOf(path, segmentStart, end);
    if (segmentEnd > segmentStart) {
      if (count === MAX_SEGMENTS) return buildTemplate(path, start, end);
      const value = isValueSegment(path, segmentStart, segmentEnd);
      length += 1 + (value ? ID.length : segmentEnd - segmentStart);
      if (length > MAX_TEMPLATE_CHARS - MORE.length) return buildTemplate(path, start, end);
      if (value) {
        hash = Math.imul(hash ^ ID_MARK, 0x01000193);
      } else {
        const word = path.charCodeAt(segmentStart) | (path.charCodeAt(segmentEnd - 1) << 16);
        hash = Math.imul(Math.imul(hash ^ (segmentEnd - segmentStart), 0x01000193) ^ word, 0x01000193);
      }
      segmentStarts[count] = segmentStart;
      segmentEnds[count] = segmentEnd;
      segmentIsValue[count] = value ? 1 : 0;
      count++;
    }
    segmentStart = segmentEnd + 1;
  }
  if (count === 0) return '/';
  const slot = (hash ^ (hash >>> 16)) & (INTERNED_SLOTS - 1);
  const known = interned[slot];
  if (known !== undefined && known.length === length && spellsSegments(known, path, count)) return known;
  const template = buildTemplate(path, start, end);
  interned[slot] = template;
  return template;
}
