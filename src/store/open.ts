import { KeywatchError } from '../errors.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** The embedded default: a SQLite file under ./data. */
export const DEFAULT_STORE_URL = 'sqlite:./data/keywatch.db';

/** Options of `openStore`; each applies to the backends it names. */
export interface OpenStoreOptions {
  /** Applies pending migrations before returning (default true); when false, only checks the connection. */
  migrate?: boolean;
  /** PostgreSQL: schema of Keywatch's tables (default `public`). */
  schema?: string;
  /** PostgreSQL: most pooled connections (default 10). */
  poolSize?: number;
  /** PostgreSQL: receives errors of idle pooled connections. */
  onBackgroundError?: (error: Error) => void;
  /** SQLite: how long a write waits for a lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Where a store URL points. */
export type StoreTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const SETTING = 'store.url (KEYWATCH_DATABASE_URL)';

/**
 * Reads a store URL: `sqlite:PATH` (also `sqlite://PATH`), `sqlite::memory:`, `postgres://…` or
 * `postgresql://…`. Anything else is a KW_ERR_CONFIG_INVALID naming the setting, never echoing the value
 * (it may hold a password).
 *
 * @example
 * parseStoreUrl('sqlite:./data/keywatch.db'); // { kind: 'sqlite', path: './data/keywatch.db' }
 */
export function parseStoreUrl(url: string): StoreTarget {
  const value = typeof url === 'string' ? url.trim() : '';
  if (value === 'sqlite::memory:') return { kind: 'sqlite', path: ':memory:' };
  if (value.startsWith('sqlite:')) {
    const path = value.startsWith('sqlite://')
      ? value.slice('sqlite://'.length)
      : value.slice('sqlite:'.length);
    if (path.length === 0) throw invalidUrl('sqlite: needs a file path, as in sqlite:./data/keywatch.db');
    return { kind: 'sqlite', path };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      throw invalidUrl('the PostgreSQL URL cannot be parsed');
    }
    return { kind: 'postgres', url: value };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  throw invalidUrl(
    scheme === undefined
      ? 'the value has no scheme'
      : `the scheme "${scheme.toLowerCase()}" is not supported`,
  );
}

/**
 * Opens the store a URL points to, migrated (unless `migrate: false`) and reachable.
 *
 * @example
 * const store = await openStore(process.env.KEYWATCH_DATABASE_URL ?? DEFAULT_STORE_URL);
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  const store: Store =
    target.kind === 'sqlite'
      ? await openSqliteStore(target.path, { busyTimeoutMs: options.busyTimeoutMs })
      : await openPostgresStore(target.url, {
          schema: options.schema,
          poolSize: options.poolSize,
          onBackgroundError: options.onBackgroundError,
        });
  try {
    if (options.migrate === false) await store.ping();
    else await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

function invalidUrl(reason: string): KeywatchError {
  return new KeywatchError(
    'KW_ERR_CONFIG_INVALID',
    `${SETTING} must be sqlite:PATH, sqlite::memory: or postgres://user:password@host:port/database; ${reason}`,
    { setting: 'store.url', env: 'KEYWATCH_DATABASE_URL' },
  );
}
