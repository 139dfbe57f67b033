import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openPostgresStore, redactDatabaseUrl } from '../../src/store/postgres.js';
import { dropSchemas, postgresUrlForTests, uniqueSchemaName } from '../helpers/postgres.js';
import { describeStoreContract, makeAlert } from './store-contract.js';

let url: string;
const schemas: string[] = [];

beforeAll(async () => {
  url = await postgresUrlForTests();
});

afterAll(async () => {
  await dropSchemas(url, schemas);
});

function newSchema(): string {
  const schema = uniqueSchemaName('pgstore');
  schemas.push(schema);
  return schema;
}

async function readRows(schema: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describeStoreContract('PostgreSQL', async () => {
  const schema = newSchema();
  const store = await openPostgresStore(url, { schema, poolSize: 4 });
  await store.migrate();
  return {
    store,
    rawRows: (sql) => readRows(schema, sql),
    openAnother: () => openPostgresStore(url, { schema, poolSize: 2 }),
  };
});

describe('PostgreSQL store', () => {
  it('lets several instances migrate one schema at once, applying each migration once', async () => {
    const schema = newSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore(url, { schema, poolSize: 2 })),
    );
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const versions = await readRows(schema, 'SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
      await stores[0]!.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
      expect(await stores[3]!.countAlerts()).toBe(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('keeps stores in different schemas apart', async () => {
    const left = await openPostgresStore(url, { schema: newSchema() });
    const right = await openPostgresStore(url, { schema: newSchema() });
    try {
      await left.migrate();
      await right.migrate();
      await left.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
      expect(await left.countAlerts()).toBe(1);
      expect(await right.countAlerts()).toBe(0);
    } finally {
      await left.close();
      await right.close();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresStore(url, { schema: 'x"; DROP TABLE alerts; --' })).rejects.toMatchObject({
      code: 'KW_ERR_CONFIG_INVALID',
    });
  });

  it('reports a failed connection as KW_ERR_STORE without the password', async () => {
    const parsed = new URL(url);
    parsed.password = 'not-the-password-s3cret';
    const store = await openPostgresStore(parsed.toString(), { schema: newSchema() });
    try {
      const failure = await store.migrate().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'KW_ERR_STORE' });
      const text = `${(failure as Error).message} ${JSON.stringify((failure as { details?: unknown }).details)}`;
      expect(text).not.toContain('not-the-password-s3cret');
      expect(text).toContain(redactDatabaseUrl(parsed.toString()));
    } finally {
      await store.close();
    }
  });

  it('has no token stamp while its listening connection is down, and a new one once it is back', async () => {
    const schema = newSchema();
    const backgroundErrors: Error[] = [];
    const store = await openPostgresStore(url, {
      schema,
      poolSize: 2,
      onBackgroundError: (error) => backgroundErrors.push(error),
    });
    const other = await openPostgresStore(url, { schema, poolSize: 2 });
    try {
      await store.migrate();
      const { record } = await store.createToken({ name: 'ci', scopes: ['read'] });
      await vi.waitFor(() => expect(store.tokenStamp()).toBeDefined(), { timeout: 5000 });
      const before = store.tokenStamp();
      const killed = await readRows(
        schema,
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'keywatch-token-listener' AND pid <> pg_backend_pid()",
      );
      expect(killed.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(store.tokenStamp()).toBeUndefined(), { timeout: 2000 });
      // Reported, for the service log.
      expect(backgroundErrors.map((error) => error.message).join('\n')).toMatch(/terminat/i);
      // Revoked while nobody listens: the notice is lost, so the stamp must move on reconnection.
      await other.revokeToken(record.id);
      await vi.waitFor(() => expect(store.tokenStamp()).toBeDefined(), { timeout: 5000 });
      expect(store.tokenStamp()).not.toBe(before);
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('hears only the revocations of its own schema', async () => {
    const schema = newSchema();
    const store = await openPostgresStore(url, { schema, poolSize: 2 });
    const elsewhere = await openPostgresStore(url, { schema: newSchema(), poolSize: 2 });
    try {
      await store.migrate();
      await elsewhere.migrate();
      const { record } = await elsewhere.createToken({ name: 'ci', scopes: ['read'] });
      await vi.waitFor(() => expect(store.tokenStamp()).toBeDefined(), { timeout: 5000 });
      const before = store.tokenStamp();
      await elsewhere.revokeToken(record.id);
      // A revocation in this schema afterwards proves the first notice had its chance to arrive.
      const mine = await store.createToken({ name: 'mine', scopes: ['read'] });
      const sibling = await openPostgresStore(url, { schema, poolSize: 2 });
      try {
        await sibling.revokeToken(mine.record.id);
      } finally {
        await sibling.close();
      }
      await vi.waitFor(() => expect(store.tokenStamp()).not.toBe(before), { timeout: 2000 });
      expect(Number(store.tokenStamp())).toBe(Number(before) + 1);
    } finally {
      await elsewhere.close();
      await store.close();
    }
  });
});
