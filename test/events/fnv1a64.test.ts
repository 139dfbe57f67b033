import { describe, expect, it } from 'vitest';
import { fnv1a64 } from '../../src/events/fnv1a64.js';

const hex = (text: string): string => {
  const hash = new Uint32Array(2);
  fnv1a64(text, hash);
  return hash[0]!.toString(16).padStart(8, '0') + hash[1]!.toString(16).padStart(8, '0');
};

describe('fnv1a64', () => {
  // Reference values of FNV-1a 64 (IETF draft-eastlake-fnv, the FNV test suite).
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
    ['chongo was here!\n', '46810940eff5f915'],
  ])('hashes %j to the reference value %s', (text, expected) => {
    expect(hex(text)).toBe(expected);
  });

  it('gives distinct hashes to 200 000 request ids that differ in one character', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(hex(`req-${i.toString(36)}-0f3a9c21`));
    expect(seen.size).toBe(200_000);
  });
});
