import { initialSchema } from './0001-initial-schema.js';
import { ingestBatches } from './0002-ingest-batches.js';
import { webhooks } from './0003-webhooks.js';
import { eventLog } from './0004-event-log.js';
import { partitionLeases } from './0005-partition-leases.js';

/** One versioned schema change, written once per SQL dialect. */
export interface Migration {
  /** Strictly increasing; recorded in `schema_migrations.version`. */
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * Every migration, in the order they apply. Append new ones; never edit one that has shipped, because
 * databases that already applied it will not run it again.
 */
export const MIGRATIONS: readonly Migration[] = [
  initialSchema,
  ingestBatches,
  webhooks,
  eventLog,
  partitionLeases,
];
