import type { Migration } from './index.js';

/**
 * Ingest batches already committed, by idempotency key, with the answer given: a client that re-sends
 * a batch whose answer it never received (the service was killed after committing) gets the same
 * answer, and the events are not processed twice.
 */
export const ingestBatches: Migration = {
  version: 2,
  name: 'ingest-batches',
  sqlite: `
CREATE TABLE ingest_batches (
  id TEXT NOT NULL PRIMARY KEY,
  result TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX ingest_batches_created_at ON ingest_batches (created_at);
`,
  postgres: `
CREATE TABLE ingest_batches (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  result text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_batches_created_at ON ingest_batches (created_at);
`,
};
