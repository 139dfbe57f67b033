import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of the PostgreSQL database that test/global-setup-postgres.ts found or started. */
    postgresUrl?: string;
  }
}

/** The database the machine's PostgreSQL 15 serves to tests when KEYWATCH_TEST_DATABASE_URL is not set. */
const TEST_ROLE = 'keywatch';
const TEST_PASSWORD = 'keywatch';
const TEST_DATABASE = 'keywatch_test';
const CLUSTER_VERSION = '15';
const CLUSTER_NAME = 'main';
const READY_TIMEOUT_MS = 30_000;

/**
 * Makes a PostgreSQL database available to tests and returns its URL: KEYWATCH_TEST_DATABASE_URL when
 * set, else the machine's PostgreSQL 15 cluster `main` (created and started when needed, which needs
 * root) with role `keywatch`/`keywatch` owning database `keywatch_test`. Fails with a clear message
 * when neither works: the PostgreSQL tests are never skipped silently.
 */
export async function ensureTestPostgres(): Promise<string> {
  const configured = process.env.KEYWATCH_TEST_DATABASE_URL;
  if (configured) {
    try {
      await waitUntilReachable(configured, 'KEYWATCH_TEST_DATABASE_URL');
    } catch (error) {
      throw new Error(`PostgreSQL for the store tests is not available: ${(error as Error).message}`);
    }
    return configured;
  }
  try {
    const port = await startLocalCluster();
    await createRoleAndDatabase(port);
    const url = `postgres://${TEST_ROLE}:${TEST_PASSWORD}@127.0.0.1:${port}/${TEST_DATABASE}`;
    await waitUntilReachable(url, `the local PostgreSQL ${CLUSTER_VERSION} cluster`);
    return url;
  } catch (error) {
    throw new Error(
      `PostgreSQL for the store tests is not available: ${(error as Error).message}\n` +
        `Set KEYWATCH_TEST_DATABASE_URL=postgres://user:password@host:port/database to a database the tests ` +
        `may create schemas in, or run the tests as root on a machine with PostgreSQL ${CLUSTER_VERSION} installed.`,
    );
  }
}

/**
 * The URL of the test database: what the global setup provided, or (when this test file runs without
 * that global setup) the result of `ensureTestPostgres()` in this process.
 */
export async function postgresUrlForTests(): Promise<string> {
  const provided = inject('postgresUrl');
  if (provided) return provided;
  urlOfThisProcess ??= ensureTestPostgres();
  return urlOfThisProcess;
}

let urlOfThisProcess: Promise<string> | undefined;

/** A schema name no other test file uses: `kw_test_<label>_<random>`. */
export function uniqueSchemaName(label: string): string {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 20);
  return `kw_test_${safeLabel}_${randomBytes(5).toString('hex')}`;
}

/**
 * Creates a schema of its own (named after `label`, recorded in `schemas` for dropSchemas) and
 * returns a URL whose connections work in it (search_path), as a `keywatch serve` process needs.
 */
export async function databaseUrlWithNewSchema(
  url: string,
  label: string,
  schemas: string[],
): Promise<string> {
  const schema = uniqueSchemaName(label);
  schemas.push(schema);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Drops schemas (and everything in them) that tests created. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

interface ClusterLine {
  version: string;
  name: string;
  port: number;
  status: string;
}

/** Starts (or creates and starts) the local cluster and returns its port. */
async function startLocalCluster(): Promise<number> {
  let cluster = await findCluster();
  if (cluster === undefined) {
    await run('pg_createcluster', [CLUSTER_VERSION, CLUSTER_NAME]);
    cluster = await findCluster();
    if (cluster === undefined)
      throw new Error(`pg_createcluster did not create cluster ${CLUSTER_VERSION}/${CLUSTER_NAME}`);
  }
  if (!cluster.status.startsWith('online')) {
    try {
      await run('pg_ctlcluster', [CLUSTER_VERSION, CLUSTER_NAME, 'start']);
    } catch (error) {
      // Another test process may have started it meanwhile; only a cluster still down is a failure.
      const again = await findCluster();
      if (!again?.status.startsWith('online')) throw error;
    }
  }
  return cluster.port;
}

async function findCluster(): Promise<ClusterLine | undefined> {
  const output = await run('pg_lsclusters', ['--no-header']);
  for (const line of output.split('\n')) {
    const [version, name, port, status] = line.trim().split(/\s+/);
    if (version === CLUSTER_VERSION && name === CLUSTER_NAME && port !== undefined && status !== undefined) {
      return { version, name, port: Number(port), status };
    }
  }
  return undefined;
}

/** Idempotent: creates the role and the database only when missing. */
async function createRoleAndDatabase(port: number): Promise<void> {
  await psqlAsPostgres(
    port,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TEST_ROLE}') THEN
         CREATE ROLE ${TEST_ROLE} LOGIN PASSWORD '${TEST_PASSWORD}';
       END IF;
     END $$;`,
  );
  const exists = await psqlAsPostgres(port, `SELECT 1 FROM pg_database WHERE datname = '${TEST_DATABASE}'`);
  if (exists.trim() !== '1') {
    try {
      await psqlAsPostgres(port, `CREATE DATABASE ${TEST_DATABASE} OWNER ${TEST_ROLE}`);
    } catch (error) {
      // A concurrent creator wins the race; that is fine.
      if (!String((error as Error).message).includes('already exists')) throw error;
    }
  }
}

function psqlAsPostgres(port: number, sql: string): Promise<string> {
  return run('runuser', [
    '-u',
    'postgres',
    '--',
    'psql',
    '-p',
    String(port),
    '-v',
    'ON_ERROR_STOP=1',
    '-tAc',
    sql,
  ]);
}

async function waitUntilReachable(url: string, description: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`${description} cannot be reached: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // cwd '/' so that psql run as postgres does not complain about an unreadable working directory.
    execFile(command, args, { cwd: '/', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message.trim()} ${stderr.trim()}`));
        return;
      }
      resolve(stdout);
    });
  });
}
