import { createHash, timingSafeEqual } from 'node:crypto';
import type { Store, TokenRecord, TokenScope } from '../../store/types.js';

/** A token configured by hash (`server.tokens`): the clear token never appears in config. */
export interface ConfiguredToken {
  name: string;
  scopes: readonly TokenScope[];
  /** Hex SHA-256 of the token. */
  sha256: string;
}

export interface TokenVerifierOptions {
  store: Pick<Store, 'verifyToken'>;
  configuredTokens?: readonly ConfiguredToken[];
  /** How long a successful verification is trusted without asking again (default 10 s). */
  cacheTtlMs?: number;
  /** Bound of the cache (default 10 000 tokens). */
  maxCacheEntries?: number;
  /** Wall clock, for the cache only. */
  now?: () => number;
}

/** Verifies bearer tokens; remembers recent successes by the token's hash, never the token. */
export interface TokenVerifier {
  /** The token's record, or undefined when it is unknown or revoked. */
  verify(token: string): Promise<TokenRecord | undefined>;
  /** The record of a token verified within the cache period, without asking the store. */
  recentlyVerified(token: string): TokenRecord | undefined;
}

/** Hex SHA-256 of a token. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Creates the verifier: configured tokens (by hash, compared in constant time), then the store's
 * tokens (`store.verifyToken`). A revoked token may keep working for up to `cacheTtlMs`.
 *
 * @example
 * const verifier = createTokenVerifier({ store, configuredTokens: config.server.tokens });
 * const record = await verifier.verify(bearer); // undefined → 401
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const ttlMs = options.cacheTtlMs ?? 10_000;
  const maxEntries = options.maxCacheEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const configured = (options.configuredTokens ?? []).map((token) => ({
    digest: Buffer.from(token.sha256, 'hex'),
    record: {
      id: `config:${token.name}`,
      name: token.name,
      scopes: [...token.scopes],
      createdAt: new Date(0).toISOString(),
    } satisfies TokenRecord,
  }));
  const cache = new Map<string, { record: TokenRecord; expiresAt: number }>();

  function cachedByHash(hash: string): TokenRecord | undefined {
    const entry = cache.get(hash);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      cache.delete(hash);
      return undefined;
    }
    return entry.record;
  }

  function remember(hash: string, record: TokenRecord): void {
    if (cache.size >= maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(hash, { record, expiresAt: now() + ttlMs });
  }

  function configuredRecord(hash: string): TokenRecord | undefined {
    const digest = Buffer.from(hash, 'hex');
    let found: TokenRecord | undefined;
    // Every entry is compared so the time taken does not tell which one matched.
    for (const token of configured) {
      if (token.digest.length === digest.length && timingSafeEqual(token.digest, digest))
        found = token.record;
    }
    return found;
  }

  return {
    async verify(token) {
      const hash = sha256Hex(token);
      const cached = cachedByHash(hash);
      if (cached) return cached;
      const record = configuredRecord(hash) ?? (await options.store.verifyToken(token));
      if (record) remember(hash, record);
      return record;
    },
    recentlyVerified(token) {
      return cachedByHash(sha256Hex(token));
    },
  };
}
