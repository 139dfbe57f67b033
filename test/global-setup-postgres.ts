import type { TestProject } from 'vitest/node';
import { ensureTestPostgres } from './helpers/postgres.js';

/**
 * Vitest global setup: makes one PostgreSQL database available to the whole test run, either
 * KEYWATCH_TEST_DATABASE_URL or the machine's PostgreSQL 15 (started, and its `keywatch` role and
 * `keywatch_test` database created, when needed). Tests receive the URL through
 * `inject('postgresUrl')`, which `postgresUrlForTests()` in test/helpers/postgres.ts reads; each test
 * file works in schemas of its own and drops them. The server is left running: it is the machine's
 * service, and other test runs may be using it.
 */
export async function setup(project: TestProject): Promise<void> {
  const url = await ensureTestPostgres();
  project.provide('postgresUrl', url);
}
