/**
 * 64-bit FNV-1a of a string's UTF-16 code units, computed in two 32-bit halves (JavaScript has no
 * cheap 64-bit integers): the multiplication by the FNV prime 2^40 + 0x1b3 is `h·0x1b3 + (h << 40)`.
 * For ASCII text this is the standard FNV-1a 64 of its bytes.
 *
 * The result goes into `out` (`out[0]` the high half, `out[1]` the low half) so that hashing
 * allocates nothing.
 *
 * @example
 * const hash = new Uint32Array(2);
 * fnv1a64('a', hash); // hash = [0xaf63dc4c, 0x8601ec8c]
 */
export function fnv1a64(text: string, out: Uint32Array): void {
  // Both halves are kept as int32 so that every step is plain 32-bit integer arithmetic.
  let high = 0xcbf29ce4 | 0;
  let low = 0x84222325 | 0;
  for (let i = 0; i < text.length; i++) {
    low ^= text.charCodeAt(i);
    // The top bits of low·0x1b3 (a 41-bit product), from its 16-bit halves without overflow.
    const carry = ((low >>> 16) * 0x1b3 + (((low & 0xffff) * 0x1b3) >>> 16)) >>> 16;
    high = (Math.imul(high, 0x1b3) + (low << 8) + carry) | 0;
    low = Math.imul(low, 0x1b3);
  }
  out[0] = high;
  out[1] = low;
}
