import type { Migration } from './index.js';

const STATUS_CHECK = `status IN ('open', 'closed', 'acknowledged', 'resolved', 'false_positive')`;

/**
 * Alerts with their timelines, status history and detector index; key and org state checkpoints with
 * Kafka offsets; key policies; API tokens.
 *
 * `alert_detectors` repeats (detector, ts, status, severity) per alert so that "alerts where detector X
 * contributed" walks one index in listing order and tests the other filters there, instead of reading
 * every alert. The listing indexes carry severity_rank for the same reason: a minimum-severity filter is
 * tested on the index entry before the row is read. PostgreSQL ids use the "C"
 * collation so that both dialects order ids bytewise, like cursors and `listKeyIds` expect.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  sqlite: `
CREATE TABLE alerts (
  id TEXT NOT NULL PRIMARY KEY,
  key_id TEXT NOT NULL,
  org_id TEXT,
  detector TEXT NOT NULL,
  detectors TEXT NOT NULL,
  severity_rank INTEGER NOT NULL CHECK (severity_rank BETWEEN 0 AND 3),
  status TEXT NOT NULL CHECK (${STATUS_CHECK}),
  ts TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  score REAL NOT NULL,
  count INTEGER NOT NULL,
  body TEXT NOT NULL,
  timeline_next INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
CREATE INDEX alerts_ts_id ON alerts (ts, id, severity_rank);
CREATE INDEX alerts_key_ts_id ON alerts (key_id, ts, id);
CREATE INDEX alerts_status_ts_id ON alerts (status, ts, id, severity_rank);

CREATE TABLE alert_detectors (
  detector TEXT NOT NULL,
  ts TEXT NOT NULL,
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  PRIMARY KEY (detector, ts, alert_id)
) WITHOUT ROWID;
CREATE INDEX alert_detectors_alert ON alert_detectors (alert_id);

CREATE TABLE alert_timeline (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (alert_id, seq)
);

CREATE TABLE alert_status_changes (
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  note TEXT,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX alert_status_changes_alert ON alert_status_changes (alert_id, id);

CREATE TABLE key_states (
  key_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT,
  version TEXT NOT NULL,
  state TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  kafka_partition INTEGER,
  updated_at TEXT NOT NULL
);
CREATE INDEX key_states_partition ON key_states (kafka_partition);

CREATE TABLE org_states (
  org_id TEXT NOT NULL PRIMARY KEY,
  version TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE offsets (
  consumer_group TEXT NOT NULL,
  topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  next_offset TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);

CREATE TABLE policies (
  key_id TEXT NOT NULL PRIMARY KEY,
  policy TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id TEXT NOT NULL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
`,
  postgres: `
CREATE TABLE alerts (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  key_id text COLLATE "C" NOT NULL,
  org_id text,
  detector text NOT NULL,
  detectors text NOT NULL,
  severity_rank smallint NOT NULL CHECK (severity_rank BETWEEN 0 AND 3),
  status text NOT NULL CHECK (${STATUS_CHECK}),
  ts timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  score double precision NOT NULL,
  count integer NOT NULL,
  body json NOT NULL,
  timeline_next bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_ts_id ON alerts (ts, id) INCLUDE (severity_rank);
CREATE INDEX alerts_key_ts_id ON alerts (key_id, ts, id);
CREATE INDEX alerts_status_ts_id ON alerts (status, ts, id) INCLUDE (severity_rank);

CREATE TABLE alert_detectors (
  detector text COLLATE "C" NOT NULL,
  ts timestamptz NOT NULL,
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  status text NOT NULL,
  severity_rank smallint NOT NULL,
  PRIMARY KEY (detector, ts, alert_id) INCLUDE (status, severity_rank)
);
CREATE INDEX alert_detectors_alert ON alert_detectors (alert_id);

CREATE TABLE alert_timeline (
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  entry json NOT NULL,
  PRIMARY KEY (alert_id, seq)
);

CREATE TABLE alert_status_changes (
  id bigserial PRIMARY KEY,
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  status text NOT NULL,
  note text,
  actor text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX alert_status_changes_alert ON alert_status_changes (alert_id, id);

CREATE TABLE key_states (
  key_id text COLLATE "C" NOT NULL PRIMARY KEY,
  org_id text,
  version text NOT NULL,
  state json NOT NULL,
  last_seen bigint NOT NULL,
  kafka_partition integer,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX key_states_partition ON key_states (kafka_partition);

CREATE TABLE org_states (
  org_id text COLLATE "C" NOT NULL PRIMARY KEY,
  version text NOT NULL,
  state json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE offsets (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  next_offset text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);

CREATE TABLE policies (
  key_id text COLLATE "C" NOT NULL PRIMARY KEY,
  policy json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  token_hash text COLLATE "C" NOT NULL UNIQUE,
  name text NOT NULL,
  scopes text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
`,
};
