import { randomBytes } from 'node:crypto';

/** Prefix of Standard Webhooks signing secrets. */
export const SECRET_PREFIX = 'whsec_';

const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A new signing secret: `whsec_` and the base64 of 32 random bytes.
 *
 * @example generateSecret() // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw…'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The HMAC key of a secret (the bytes its base64 part encodes), or undefined when the secret is not
 * `whsec_` + canonical base64 of 24 to 64 bytes.
 *
 * @example secretKey('whsec_' + Buffer.alloc(24, 1).toString('base64'))?.length // 24
 */
export function secretKey(secret: string): Buffer | undefined {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) return undefined;
  // Refuses non-canonical encodings (stray bits in the padding), which other verifiers may read differently.
  if (key.toString('base64') !== encoded) return undefined;
  return key;
}
