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
  store: Pick<Store, 'verifyToken' | 'tokenStamp'>;
  configuredTokens?: readonly ConfiguredToken[];
  /**
   * How long a successful verification is trusted without asking again (default 10 s), unless the
   * store's token stamp changes first (a token was revoked, here or in another process).
   */
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
  /**
   * The record of a token verified within the cache period, without asking the store: to tell who
   * calls (rate-limit budgets), never to let a request in (that is `verify`).
   */
  recentlyVerified(token: string): TokenRecord | undefined;
}

/** Hex SHA-256 of a token. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Creates the verifier: configured tokens (by hash, compared in constant time), then the store's
 * tokens (`store.verifyToken`). What it remembers holds only while the store's token stamp stays the
 * same, so a revoked token stops working at the next request (PostgreSQL: once the revocation's
 * notice has arrived, within milliseconds); while the stamp is unknown, every request asks the store.
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
  /** The store's token stamp when the cache was last checked; the cache is emptied when it moves. */
  let cachedStamp: string | undefined;

  /** The current stamp, emptying the cache when it moved. */
  function stamp(): string | undefined {
    const current = options.store.tokenStamp();
    if (current !== cachedStamp) {
      cache.clear();
      cachedStamp = current;
    }
    return current;
  }

  function cachedByHash(hash: string): TokenRecord | undefined {
    const entry = cache.get(hash);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      cache.delete(hash);
      return undefined;
    }
    return entry.record;
  }

  /** Remembers a verification made under `verifiedUnder` (nothing if the stamp moved meanwhile). */
  function remember(hash: string, record: TokenRecord, verifiedUnder: string | undefined): void {
    if (stamp() !== verifiedUnder) return;
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
      // Read before asking the store: a revocation during the lookup moves it, and the answer is
      // then used once but not remembered.
      const verifiedUnder = stamp();
      // With the stamp unknown a revocation could go unseen: every request asks the store.
      const cached = verifiedUnder === undefined ? undefined : cachedByHash(hash);
      if (cached) return cached;
      const record = configuredRecord(hash) ?? (await options.store.verifyToken(token));
      if (record) remember(hash, record, verifiedUnder);
      return record;
    },
    recentlyVerified(token) {
      stamp();
      return cachedByHash(sha256Hex(token));
    },
  };
}
