import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every clear API token, so that secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'kw_';

/**
 * A new clear API token: `kw_` + 32 random bytes in base64url (256 bits of entropy).
 *
 * @example
 * generateToken(); // 'kw_3q2-…' (46 characters)
 */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** A new public token id (safe to show, log and put in URLs). */
export function generateTokenId(): string {
  return 'tok_' + randomBytes(12).toString('base64url');
}

/**
 * The lookup key stored for a token: SHA-256 of the clear token, hex.
 *
 * A fast hash is enough here, unlike for passwords: a generated token carries 256 bits of entropy, so
 * nobody can enumerate candidates against a leaked hash, and a slow hash (bcrypt, scrypt) would only add
 * latency to every API request. A deterministic hash also lets the store find the token by index instead
 * of comparing against every row.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex SHA-256 digests in constant time. */
export function tokenHashesMatch(storedHex: string, presentedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const presented = Buffer.from(presentedHex, 'hex');
  return stored.length === 32 && presented.length === 32 && timingSafeEqual(stored, presented);
}
