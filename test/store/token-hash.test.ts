import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken, generateTokenId, hashToken, tokenHashesMatch } from '../../src/store/token-hash.js';

describe('token hashing', () => {
  it('generates kw_ tokens of 32 random bytes, different every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
    }
  });

  it('generates public ids that do not resemble tokens', () => {
    expect(generateTokenId()).toMatch(/^tok_[A-Za-z0-9_-]{16}$/);
  });

  it('stores the hex SHA-256 of the clear token', () => {
    const token = 'kw_example';
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('matches equal digests only', () => {
    const digest = hashToken('kw_a');
    expect(tokenHashesMatch(digest, hashToken('kw_a'))).toBe(true);
    expect(tokenHashesMatch(digest, hashToken('kw_b'))).toBe(false);
    expect(tokenHashesMatch(digest, 'abcd')).toBe(false);
  });
});
