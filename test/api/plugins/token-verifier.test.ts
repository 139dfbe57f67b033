import { describe, expect, test, vi } from 'vitest';
import { createTokenVerifier, sha256Hex } from '../../../src/api/plugins/token-verifier.js';
import type { TokenRecord } from '../../../src/store/types.js';

const record: TokenRecord = {
  id: 'tok_1',
  name: 'reader',
  scopes: ['read'],
  createdAt: '2026-01-01T00:00:00.000Z',
};

function storeKnowing(token: string) {
  const store = {
    stamp: '1' as string | undefined,
    verifyToken: vi.fn(async (presented: string) => (presented === token ? record : undefined)),
    tokenStamp: () => store.stamp,
  };
  return store;
}

describe('createTokenVerifier', () => {
  test('trusts a verified token for the cache period, then asks the store again', async () => {
    let now = 1_000;
    const store = storeKnowing('kw_good');
    const verifier = createTokenVerifier({ store, cacheTtlMs: 10_000, now: () => now });
    expect(await verifier.verify('kw_good')).toEqual(record);
    now += 9_999;
    expect(await verifier.verify('kw_good')).toEqual(record);
    expect(store.verifyToken).toHaveBeenCalledTimes(1);
    now += 1;
    expect(await verifier.verify('kw_good')).toEqual(record);
    expect(store.verifyToken).toHaveBeenCalledTimes(2);
  });

  test('forgets every remembered token as soon as the store’s token stamp moves (a revocation)', async () => {
    const store = storeKnowing('kw_good');
    const verifier = createTokenVerifier({ store });
    await verifier.verify('kw_good');
    await verifier.verify('kw_good');
    expect(store.verifyToken).toHaveBeenCalledTimes(1);
    store.stamp = '2';
    expect(verifier.recentlyVerified('kw_good')).toBeUndefined();
    await verifier.verify('kw_good');
    expect(store.verifyToken).toHaveBeenCalledTimes(2);
    await verifier.verify('kw_good');
    expect(store.verifyToken).toHaveBeenCalledTimes(2);
  });

  test('asks the store at every request while the stamp is unknown', async () => {
    const store = storeKnowing('kw_good');
    store.stamp = undefined;
    const verifier = createTokenVerifier({ store });
    await verifier.verify('kw_good');
    await verifier.verify('kw_good');
    expect(store.verifyToken).toHaveBeenCalledTimes(2);
    // Still known to tell callers apart (rate limits), not to let them in.
    expect(verifier.recentlyVerified('kw_good')).toEqual(record);
    store.stamp = '7';
    expect(verifier.recentlyVerified('kw_good')).toBeUndefined();
    await verifier.verify('kw_good');
    await verifier.verify('kw_good');
    expect(store.verifyToken).toHaveBeenCalledTimes(3);
  });

  test('does not remember an answer if a revocation came while the store was asked', async () => {
    const store = storeKnowing('kw_good');
    store.verifyToken.mockImplementationOnce(async () => {
      store.stamp = '2';
      return record;
    });
    const verifier = createTokenVerifier({ store });
    expect(await verifier.verify('kw_good')).toEqual(record);
    expect(verifier.recentlyVerified('kw_good')).toBeUndefined();
  });

  test('does not cache an unknown token', async () => {
    const store = storeKnowing('kw_good');
    const verifier = createTokenVerifier({ store });
    expect(await verifier.verify('kw_bad')).toBeUndefined();
    expect(await verifier.verify('kw_bad')).toBeUndefined();
    expect(store.verifyToken).toHaveBeenCalledTimes(2);
    expect(verifier.recentlyVerified('kw_bad')).toBeUndefined();
  });

  test('reports a recently verified token without asking the store', async () => {
    const store = storeKnowing('kw_good');
    const verifier = createTokenVerifier({ store });
    expect(verifier.recentlyVerified('kw_good')).toBeUndefined();
    await verifier.verify('kw_good');
    expect(verifier.recentlyVerified('kw_good')).toEqual(record);
    expect(store.verifyToken).toHaveBeenCalledTimes(1);
  });

  test('forgets the oldest token when the cache is full', async () => {
    const store = {
      verifyToken: vi.fn(async (token: string) => ({ ...record, id: token })),
      tokenStamp: () => '1',
    };
    const verifier = createTokenVerifier({ store, maxCacheEntries: 2 });
    await verifier.verify('a');
    await verifier.verify('b');
    await verifier.verify('c');
    expect(verifier.recentlyVerified('a')).toBeUndefined();
    expect(verifier.recentlyVerified('b')?.id).toBe('b');
    expect(verifier.recentlyVerified('c')?.id).toBe('c');
  });

  test('accepts configured tokens by hash without asking the store', async () => {
    const store = storeKnowing('kw_other');
    const verifier = createTokenVerifier({
      store,
      configuredTokens: [{ name: 'ci', scopes: ['write'], sha256: sha256Hex('kw_from-config') }],
    });
    expect(await verifier.verify('kw_from-config')).toMatchObject({ name: 'ci', scopes: ['write'] });
    expect(store.verifyToken).not.toHaveBeenCalled();
  });
});
