import type { Migration } from './index.js';

/**
 * The log of ingested batches since the last key-state checkpoint. Each batch's events are written
 * with the alerts they produced (one row per batch, cheap); key states are checkpointed every few
 * seconds, which deletes the rows they cover. After a crash, the engine restores the checkpoint and
 * replays the remaining rows, arriving at exactly the state it had. Each instance writes its own
 * stream (its instance id), so several instances may share one PostgreSQL database.
 */
export const eventLog: Migration = {
  version: 4,
  name: 'event-log',
  sqlite: `
CREATE TABLE event_log (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  events TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
);
`,
  postgres: `
CREATE TABLE event_log (
  stream text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  events text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, seq)
);
`,
};
