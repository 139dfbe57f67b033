import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { describeStoreContract, makeAlert, makeEntry } from './store-contract.js';

const directory = mkdtempSync(join(tmpdir(), 'keywatch-sqlite-store-'));
let files = 0;

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function readRows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describeStoreContract('SQLite', async () => {
  const path = join(directory, `contract-${files++}.db`);
  const store = await openSqliteStore(path);
  await store.migrate();
  return {
    store,
    rawRows: async (sql) => readRows(path, sql),
    openAnother: () => openSqliteStore(path),
  };
});

describe('SQLite store file', () => {
  it('keeps alerts, timelines, states and tokens after the file is closed and reopened', async () => {
    const path = join(directory, 'nested', 'deeper', 'keywatch.db');
    const first = await openSqliteStore(path);
    await first.migrate();
    await first.commit({
      alerts: [{ alert: makeAlert('a1', 0), newTimeline: [makeEntry(0)] }],
      keyStates: [{ keyId: 'k-a', version: 'v1', state: { n: 1 }, lastSeen: 1, partition: 3 }],
      offsets: [{ group: 'g', topic: 't', partition: 3, offset: '42' }],
    });
    const { token } = await first.createToken({ name: 'ci', scopes: ['read'] });
    await first.close();

    const second = await openSqliteStore(path);
    await second.migrate();
    expect(await second.getAlert('a1')).toEqual({
      alert: makeAlert('a1', 0),
      timeline: [makeEntry(0)],
      statusHistory: [],
    });
    expect(await second.loadKeyStates({ partitions: [3] })).toEqual([
      { keyId: 'k-a', version: 'v1', state: { n: 1 }, lastSeen: 1, partition: 3 },
    ]);
    expect(await second.getOffsets('g', 't')).toEqual([
      { group: 'g', topic: 't', partition: 3, offset: '42' },
    ]);
    expect(await second.verifyToken(token)).toMatchObject({ name: 'ci' });
    await second.close();
  });

  it('creates the parent directory and uses write-ahead logging', async () => {
    const path = join(directory, 'fresh-dir', 'keywatch.db');
    const store = await openSqliteStore(path);
    await store.migrate();
    await store.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(readRows(path, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await store.close();
  });

  it('works in memory for tests and replays', async () => {
    const store = await openSqliteStore(':memory:');
    await store.migrate();
    await store.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
    expect(await store.countAlerts()).toBe(1);
    await store.close();
  });

  it('reports a store that was not migrated as KW_ERR_STORE', async () => {
    const store = await openSqliteStore(':memory:');
    await expect(store.countAlerts()).rejects.toMatchObject({ code: 'KW_ERR_STORE' });
    await store.close();
  });
});
