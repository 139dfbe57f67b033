import type { Migration } from './index.js';

/**
 * Real-time delivery: webhook subscriptions, the durable outbox (one row per message and subscription,
 * leased while an instance delivers it), the attempts made, and the alert change log that the live
 * stream sends and replays from `Last-Event-ID`.
 *
 * The outbox has no foreign key to its subscription on purpose: a commit must never fail because a
 * subscription was deleted while the outbox hook still had it cached. Orphans are never claimed (the
 * claim joins the subscriptions) and are pruned with finished messages. Times compared by the claim
 * (`next_attempt_at`, `lease_until`) are epoch milliseconds in both dialects.
 */
export const webhooks: Migration = {
  version: 3,
  name: 'webhooks',
  sqlite: `
CREATE TABLE webhook_subscriptions (
  id TEXT NOT NULL PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_expires_at INTEGER,
  filters TEXT NOT NULL,
  types TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('standard', 'slack')),
  description TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  disabled_at TEXT,
  failing_since TEXT,
  source TEXT NOT NULL CHECK (source IN ('api', 'config')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE webhook_outbox (
  id TEXT NOT NULL PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  type TEXT NOT NULL,
  alert_id TEXT,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  single_attempt INTEGER NOT NULL DEFAULT 0,
  lease TEXT,
  lease_until INTEGER,
  last_error TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, state);
CREATE INDEX webhook_outbox_finished ON webhook_outbox (updated_at) WHERE state <> 'pending';

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  success INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX webhook_attempts_subscription ON webhook_attempts (subscription_id, id);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, id);

CREATE TABLE alert_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX alert_events_created_at ON alert_events (created_at);
`,
  postgres: `
CREATE TABLE webhook_subscriptions (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  url text NOT NULL,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at bigint,
  filters json NOT NULL,
  types json NOT NULL,
  format text NOT NULL CHECK (format IN ('standard', 'slack')),
  description text NOT NULL,
  enabled boolean NOT NULL,
  disabled_reason text,
  disabled_at timestamptz,
  failing_since timestamptz,
  source text NOT NULL CHECK (source IN ('api', 'config')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_outbox (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  subscription_id text COLLATE "C" NOT NULL,
  type text NOT NULL,
  alert_id text,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  single_attempt boolean NOT NULL DEFAULT false,
  lease text,
  lease_until bigint,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, state);
CREATE INDEX webhook_outbox_finished ON webhook_outbox (updated_at) WHERE state <> 'pending';

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  message_id text COLLATE "C" NOT NULL,
  subscription_id text COLLATE "C" NOT NULL,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  success boolean NOT NULL,
  error text
);
CREATE INDEX webhook_attempts_subscription ON webhook_attempts (subscription_id, id);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, id);

CREATE TABLE alert_events (
  seq bigserial PRIMARY KEY,
  type text NOT NULL,
  alert_id text COLLATE "C" NOT NULL,
  body json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_created_at ON alert_events (created_at);
`,
};
