import { KeywatchError } from '../errors.js';
import type { IpKind } from '../events/types.js';

/**
 * An IP address understood: version, canonical text, its network prefix (/24 for IPv4, /48 for IPv6),
 * its address class, and its 128 bits as four big-endian unsigned 32-bit words. IPv4 addresses (also
 * when written IPv4-mapped, `::ffff:1.2.3.4`) are version 4 and keep their bits in the mapped form
 * `[0, 0, 0xffff, address]`, so `words[3]` is the IPv4 address as a uint32.
 */
export interface ParsedIp {
  version: 4 | 6;
  /** `1.2.3.4`; IPv6 lower-case and compressed per RFC 5952 (`2001:db8::1`). */
  normalized: string;
  /** `1.2.3.0/24` or `2001:db8:1::/48`. */
  network: string;
  kind: IpKind;
  words: readonly [number, number, number, number];
}

/** Longest textual IPv6 address (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`). */
const MAX_IP_CHARS = 45;

// Scratch space for the scanners: validation allocates nothing.
const hextets = new Uint16Array(8);

/**
 * The value of a dotted-quad IPv4 address in `text[start, end)` as a uint32, or -1. Only the
 * canonical form is accepted: four decimal parts 0–255 without leading zeros (`010.0.0.1` could be
 * octal to another parser, so it is refused rather than guessed).
 */
function scanIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (code - 48);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Reads an IPv6 address (RFC 4291 §2.2: full, `::`-compressed, or with a dotted IPv4 tail) into
 * `hextets`. No zone (`%eth0`), no brackets, no surrounding space: anything else is refused.
 */
function scanIpv6(text: string): boolean {
  const length = text.length;
  if (length < 2 || length > MAX_IP_CHARS) return false;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < length) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < length; j++) {
      const digit = hexValue(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
      digits++;
    }
    if (j < length && text.charCodeAt(j) === 46) {
      // Dotted IPv4 tail: must fill the last 32 bits.
      if (count > 6 || (gap === -1 && count !== 6)) return false;
      const ipv4 = scanIpv4(text, i, length);
      if (ipv4 < 0) return false;
      hextets[count++] = ipv4 >>> 16;
      hextets[count++] = ipv4 & 0xffff;
      i = length;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    hextets[count++] = value;
    i = j;
    if (i === length) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < length && text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
    } else if (i === length) {
      return false;
    }
  }
  if (gap === -1) return count === 8;
  if (count > 7) return false;
  // Move the groups after `::` to the end and zero the gap.
  const tail = count - gap;
  for (let k = 0; k < tail; k++) hextets[7 - k] = hextets[count - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) hextets[k] = 0;
  return true;
}

function isMappedIpv4(): boolean {
  return (
    hextets[0] === 0 &&
    hextets[1] === 0 &&
    hextets[2] === 0 &&
    hextets[3] === 0 &&
    hextets[4] === 0 &&
    hextets[5] === 0xffff
  );
}

/**
 * Whether `text` is an IPv4 or IPv6 address in a canonical textual form, without allocating.
 *
 * @example isValidIp('2001:db8::1') // true; isValidIp('0x7f000001') // false
 */
export function isValidIp(text: string): boolean {
  if (text.length > MAX_IP_CHARS) return false;
  return text.indexOf(':') >= 0 ? scanIpv6(text) : scanIpv4(text, 0, text.length) >= 0;
}

/**
 * A dotted-quad IPv4 address as a uint32, or `null` when it is not one (decimal, hex, octal and
 * short forms such as `127.1` are not addresses here).
 *
 * @example ipv4ToInt('192.168.0.1') // 3232235521
 */
export function ipv4ToInt(text: string): number | null {
  const value = scanIpv4(text, 0, text.length);
  return value < 0 ? null : value;
}

/** The dotted-quad text of a uint32. @example intToIpv4(3232235521) // '192.168.0.1' */
export function intToIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text of eight hextets: lower-case, no leading zeros, the longest zero run (≥ 2) as `::`. */
export function formatIpv6(groups: ArrayLike<number>): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += (groups[i] as number).toString(16);
  }
  return text;
}

function ipv4Kind(address: number): IpKind {
  const a = address >>> 24;
  const b = (address >>> 16) & 255;
  const c = (address >>> 8) & 255;
  if (a === 10) return 'private';
  if (a === 127) return 'loopback';
  if (a === 0) return 'reserved';
  if (a >= 224) return 'reserved'; // 224/4 multicast, 240/4 and 255.255.255.255
  if (a === 172 && (b & 0xf0) === 16) return 'private';
  if (a === 100 && (b & 0xc0) === 64) return 'private'; // 100.64/10 carrier-grade NAT
  if (a === 169 && b === 254) return 'link-local';
  if (a === 192) {
    if (b === 168) return 'private';
    if (b === 0 && (c === 0 || c === 2)) return 'reserved'; // 192.0.0/24, TEST-NET-1
  }
  if (a === 198 && ((b & 0xfe) === 18 || (b === 51 && c === 100))) return 'reserved'; // 198.18/15, TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return 'reserved'; // TEST-NET-3
  return 'public';
}

function ipv6Kind(groups: Uint16Array): IpKind {
  const first = groups[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (first === 0x2001 && groups[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0) {
    if (groups[4] === 0 && groups[5] === 0 && groups[6] === 0) {
      if (groups[7] === 0) return 'reserved'; // ::
      if (groups[7] === 1) return 'loopback';
    }
  }
  return 'public';
}

function parsedIpv4(address: number, text: string | null): ParsedIp {
  return {
    version: 4,
    normalized: text ?? intToIpv4(address),
    network: `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.0/24`,
    kind: ipv4Kind(address),
    words: [0, 0, 0xffff, address],
  };
}

/**
 * Parses an IPv4 or IPv6 address given in a canonical textual form; `null` for anything else,
 * including zones, brackets, surrounding space and numeric forms (`0x7f000001`, `2130706433`,
 * `127.1`) that some resolvers accept — so it is safe for SSRF checks. An IPv4-mapped IPv6 address
 * is the IPv4 address.
 *
 * @example
 * parseIp('::ffff:203.0.113.7')
 * // { version: 4, normalized: '203.0.113.7', network: '203.0.113.0/24', kind: 'reserved', words: [0, 0, 65535, 3405803783] }
 */
export function parseIp(text: string): ParsedIp | null {
  if (typeof text !== 'string' || text.length > MAX_IP_CHARS) return null;
  if (text.indexOf(':') < 0) {
    const address = scanIpv4(text, 0, text.length);
    return address < 0 ? null : parsedIpv4(address, text);
  }
  if (!scanIpv6(text)) return null;
  if (isMappedIpv4()) return parsedIpv4(hextets[6]! * 0x10000 + hextets[7]!, null);
  const words: [number, number, number, number] = [
    (hextets[0]! * 0x10000 + hextets[1]!) >>> 0,
    (hextets[2]! * 0x10000 + hextets[3]!) >>> 0,
    (hextets[4]! * 0x10000 + hextets[5]!) >>> 0,
    (hextets[6]! * 0x10000 + hextets[7]!) >>> 0,
  ];
  const kind = ipv6Kind(hextets);
  const normalized = formatIpv6(hextets);
  hextets[3] = hextets[4] = hextets[5] = hextets[6] = hextets[7] = 0;
  return { version: 6, normalized, network: `${formatIpv6(hextets)}/48`, kind, words };
}

function quoteCidr(cidr: unknown): string {
  const text = String(cidr);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function invalidCidr(cidr: unknown, why: string): KeywatchError {
  return new KeywatchError('KW_ERR_INVALID_CIDR', `${quoteCidr(cidr)} is not a valid CIDR range: ${why}`, {
    cidr: String(cidr).slice(0, 64),
  });
}

function parsePrefix(text: string, cidr: string, max: number): number {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) throw invalidCidr(cidr, 'the prefix length must be a number');
  const prefix = Number(text);
  if (prefix > max) throw invalidCidr(cidr, `the prefix length must be at most ${max}`);
  return prefix;
}

/** A mask of the top `bits` (0–32) bits of a 32-bit word. */
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * createCidrMatcher for the ranges of a configuration setting: a bad range stops start-up with
 * KW_ERR_CONFIG_INVALID naming `setting`.
 *
 * @example const trusted = cidrMatcherOfSetting(config.server.trustProxy, 'server.trustProxy');
 */
export function cidrMatcherOfSetting(
  cidrs: readonly string[],
  setting: string,
): (ip: ParsedIp | string) => boolean {
  try {
    return createCidrMatcher(cidrs);
  } catch (error) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `Invalid configuration: setting "${setting}" ${(error as Error).message}`,
      { setting },
    );
  }
}

/**
 * Compiles CIDR ranges once into a cheap membership test. A bare address means that one address;
 * host bits after the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`). IPv4 ranges become merged,
 * sorted uint32 intervals searched by bisection; IPv6 ranges are compared as four masked words. An
 * IPv4-mapped IPv6 range (prefix ≥ 96) is the IPv4 range it maps. IPv4 ranges match only IPv4
 * addresses and IPv6 ranges only IPv6 addresses.
 *
 * @throws KeywatchError `KW_ERR_INVALID_CIDR` naming the first bad range.
 * @example
 * const isOffice = createCidrMatcher(['81.2.69.0/24', '2a00:1450::/32']);
 * isOffice(parseIp('81.2.69.160')!) // true
 */
export function createCidrMatcher(cidrs: readonly string[]): (ip: ParsedIp | string) => boolean {
  const v4Ranges: Array<[number, number]> = [];
  const v6Rules: number[] = []; // per rule: 4 masked network words then 4 mask words
  for (const cidr of cidrs) {
    if (typeof cidr !== 'string') throw invalidCidr(cidr, 'it must be a string');
    const slash = cidr.indexOf('/');
    const addressText = slash < 0 ? cidr : cidr.slice(0, slash);
    const parsed = parseIp(addressText);
    if (parsed === null) throw invalidCidr(cidr, 'the address is not a valid IPv4 or IPv6 address');
    const writtenAsV6 = addressText.indexOf(':') >= 0;
    let prefix: number;
    if (slash < 0) prefix = parsed.version === 4 ? 32 : 128;
    else prefix = parsePrefix(cidr.slice(slash + 1), cidr, parsed.version === 4 && !writtenAsV6 ? 32 : 128);
    if (parsed.version === 4 && writtenAsV6 && slash >= 0) {
      // Mapped addresses are IPv4 here, so a mapped range must stay inside ::ffff:0:0/96.
      if (prefix < 96) throw invalidCidr(cidr, 'an IPv4-mapped range needs a prefix length of at least 96');
      prefix -= 96;
    }
    if (parsed.version === 4) {
      const mask = wordMask(prefix);
      const start = (parsed.words[3] & mask) >>> 0;
      v4Ranges.push([start, start + (2 ** (32 - prefix) - 1)]);
    } else {
      pushV6Rule(v6Rules, parsed.words, prefix);
    }
  }
  const { starts, ends } = mergeRanges(v4Ranges);
  const v6 = Uint32Array.from(v6Rules);

  return (ip: ParsedIp | string): boolean => {
    const address = typeof ip === 'string' ? parseIp(ip) : ip;
    if (address === null) return false;
    const words = address.words;
    if (address.version === 4) {
      const value = words[3];
      let low = 0;
      let high = starts.length - 1;
      while (low <= high) {
        const middle = (low + high) >>> 1;
        if (value < starts[middle]!) high = middle - 1;
        else if (value > ends[middle]!) low = middle + 1;
        else return true;
      }
      return false;
    }
    for (let r = 0; r < v6.length; r += 8) {
      if (
        (words[0] & v6[r + 4]!) >>> 0 === v6[r] &&
        (words[1] & v6[r + 5]!) >>> 0 === v6[r + 1] &&
        (words[2] & v6[r + 6]!) >>> 0 === v6[r + 2] &&
        (words[3] & v6[r + 7]!) >>> 0 === v6[r + 3]
      ) {
        return true;
      }
    }
    return false;
  };
}

function pushV6Rule(rules: number[], words: readonly number[], prefix: number): void {
  const masks = [0, 1, 2, 3].map((i) => wordMask(prefix - 32 * i));
  for (let i = 0; i < 4; i++) rules.push((words[i]! & masks[i]!) >>> 0);
  rules.push(...masks);
}

function mergeRanges(ranges: Array<[number, number]>): { starts: Float64Array; ends: Float64Array } {
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return {
    starts: Float64Array.from(merged, (range) => range[0]),
    ends: Float64Array.from(merged, (range) => range[1]),
  };
}
