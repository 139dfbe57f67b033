import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, parseStoreUrl } from '../../src/store/open.js';
import { dropSchemas, postgresUrlForTests, uniqueSchemaName } from '../helpers/postgres.js';

const directory = mkdtempSync(join(tmpdir(), 'keywatch-open-store-'));
let postgresUrl: string;
const schemas: string[] = [];

beforeAll(async () => {
  postgresUrl = await postgresUrlForTests();
});

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  await dropSchemas(postgresUrl, schemas);
});

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/keywatch.db', { kind: 'sqlite', path: './data/keywatch.db' }],
    ['sqlite:/var/lib/keywatch/kw.db', { kind: 'sqlite', path: '/var/lib/keywatch/kw.db' }],
    ['sqlite:///var/lib/keywatch/kw.db', { kind: 'sqlite', path: '/var/lib/keywatch/kw.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['postgres://kw:pw@db:5432/keywatch', { kind: 'postgres', url: 'postgres://kw:pw@db:5432/keywatch' }],
    [
      'postgresql://kw@db/keywatch?sslmode=require',
      { kind: 'postgres', url: 'postgresql://kw@db/keywatch?sslmode=require' },
    ],
  ])('reads %s', (url, target) => {
    expect(parseStoreUrl(url)).toEqual(target);
  });

  it.each([
    'mysql://root:hunter2-secret@db/keywatch',
    'hunter2-secret',
    'sqlite:',
    '',
    'postgres://kw:hunter2-secret@[bad',
  ])('refuses %j naming the setting without echoing the value', (url) => {
    let failure: unknown;
    try {
      parseStoreUrl(url);
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'KW_ERR_CONFIG_INVALID' });
    const message = (failure as Error).message;
    expect(message).toContain('KEYWATCH_DATABASE_URL');
    expect(message).toContain('store.url');
    expect(message).not.toContain('hunter2');
  });
});

describe('openStore', () => {
  it('opens a migrated SQLite store from a sqlite: URL', async () => {
    const store = await openStore(`sqlite:${join(directory, 'sub', 'kw.db')}`);
    try {
      expect(store.kind).toBe('sqlite');
      expect(await store.countAlerts()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('opens an in-memory SQLite store', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(await store.listPolicies()).toEqual({});
    } finally {
      await store.close();
    }
  });

  it('opens a migrated PostgreSQL store in the chosen schema', async () => {
    const schema = uniqueSchemaName('open');
    schemas.push(schema);
    const store = await openStore(postgresUrl, { schema });
    try {
      expect(store.kind).toBe('postgres');
      expect(await store.countAlerts()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('fails with KW_ERR_STORE when the PostgreSQL server cannot be reached', async () => {
    await expect(
      openStore('postgres://kw:pw@127.0.0.1:1/keywatch', { migrate: false }),
    ).rejects.toMatchObject({ code: 'KW_ERR_STORE' });
  });
});
