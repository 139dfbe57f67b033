import { TwoGenerationCache } from './bounded-cache.js';

/** Templates longer than this are cut at a segment boundary and end in `/{more}`. */
const MAX_TEMPLATE_CHARS = 256;
const MAX_SEGMENTS = 16;
/** No API word is this long; a longer segment is a value. */
const MAX_WORD_CHARS = 64;
/**
 * Only paths up to this length are looked up and remembered: those are the ones that repeat
 * (`/v1/people/me`, `/v1/rooms?max=100`); longer ones nearly always carry ids, and templating
 * them directly is cheaper than a cache miss.
 */
const MAX_CACHED_PATH_CHARS = 64;
const ID = '{id}';
const MORE = '/{more}';

const templates = new TwoGenerationCache<string, string>(20_000);

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
 * Whether the path segment `text[start, end)` is a value rather than a word of the API: a number,
 * a UUID, hex of 16+ characters, an email (also `%40`-encoded), a Webex id (base64 of `ciscospark://…`,
 * which starts `Y2lz`), a long base64url token with digits or random-looking mixed case, a long
 * token with several digits, or anything longer than any API word.
 */
function isValueSegment(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length > MAX_WORD_CHARS) return true;
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
  if (length >= 12 && text.startsWith('Y2lz', start)) return true;
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

function computeTemplate(path: string): string {
  // Native indexOf is much faster than a character loop on long paths.
  let end = path.length;
  const query = path.indexOf('?');
  if (query >= 0) end = query;
  const fragment = path.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  let start = 0;
  // An absolute URL: drop scheme and authority.
  const scheme = path.indexOf('://');
  if (scheme > 0 && scheme < 10 && scheme < end && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(path.slice(0, scheme))) {
    const slash = path.indexOf('/', scheme + 3);
    start = slash < 0 || slash > end ? end : slash;
  }
  let template = '';
  let segments = 0;
  let segmentStart = start;
  while (segmentStart <= end) {
    let segmentEnd = path.indexOf('/', segmentStart);
    if (segmentEnd < 0 || segmentEnd > end) segmentEnd = end;
    if (segmentEnd > segmentStart) {
      const piece = isValueSegment(path, segmentStart, segmentEnd)
        ? ID
        : path.slice(segmentStart, segmentEnd);
      if (
        segments === MAX_SEGMENTS ||
        template.length + 1 + piece.length > MAX_TEMPLATE_CHARS - MORE.length
      ) {
        return template + MORE;
      }
      template += `/${piece}`;
      segments++;
    }
    segmentStart = segmentEnd + 1;
  }
  return template === '' ? '/' : template;
}

/**
 * The route template of a request path, so that calls to one API operation group together: query
 * and fragment dropped, scheme and host dropped from absolute URLs, repeated and trailing slashes
 * collapsed, and id-like segments replaced by `{id}`. Words such as `v1`, `rooms`, `messages`,
 * `people`, `me` stay. The result is at most 256 characters (`/{more}` marks a cut).
 *
 * @example
 * toRouteTemplate('/v1/messages/Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJk?max=10') // '/v1/messages/{id}'
 * toRouteTemplate('//v1/people/me/')                                          // '/v1/people/me'
 */
export function toRouteTemplate(path: string): string {
  if (path.length > MAX_CACHED_PATH_CHARS) return computeTemplate(path);
  const cached = templates.get(path);
  if (cached !== undefined) return cached;
  const template = computeTemplate(path);
  // Paths with ids are mostly unique: remembering them would only push out the ones that repeat.
  if (!template.includes(ID)) templates.set(path, template);
  return template;
}
