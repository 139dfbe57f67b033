import { openStore } from '../../src/store/open.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/types.js';
import { dropSchemas, postgresUrlForTests, uniqueSchemaName } from './postgres.js';

export type Backend = 'sqlite' | 'postgres';

/** The backend of the run: PostgreSQL in the api-postgres project (KEYWATCH_TEST_STORE=postgres). */
export const DEFAULT_BACKEND: Backend =
  process.env.KEYWATCH_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * A fresh, migrated store for a test: in-memory SQLite, or a schema of its own (named after
 * `schemaPrefix`) on the test PostgreSQL server, dropped again by `dispose`.
 */
export async function openTestStore(
  schemaPrefix: string,
  backend: Backend = DEFAULT_BACKEND,
): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (backend === 'sqlite') {
    const store = await openStore('sqlite::memory:');
    return { store, dispose: () => store.close() };
  }
  const url = await postgresUrlForTests();
  const schema = uniqueSchemaName(schemaPrefix);
  const store = await openPostgresStore(url, { schema, poolSize: 4 });
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      await dropSchemas(url, [schema]);
    },
  };
}
