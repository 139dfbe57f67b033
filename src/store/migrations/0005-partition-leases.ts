import type { Migration } from './index.js';

/**
 * Leases on Kafka partitions, for fencing: an instance claims a partition (raising its epoch) when
 * the consumer group assigns it, before loading its key states, and writes that partition's rows only
 * while the epoch is still its own. An instance that stalled past its session timeout, and whose
 * partitions another instance has claimed meanwhile, can then no longer overwrite their state.
 */
export const partitionLeases: Migration = {
  version: 5,
  name: 'partition-leases',
  sqlite: `
CREATE TABLE partition_leases (
  consumer_group TEXT NOT NULL,
  topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  owner TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);
`,
  postgres: `
CREATE TABLE partition_leases (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  epoch bigint NOT NULL,
  owner text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);
`,
};
