import type { PartitionLease, StoreBatch } from './types.js';

/**
 * The part of `batch` that may be written, given the stored epoch of each partition it holds a
 * lease on (`current`, keyed by `leaseKey`; absent when never claimed). A lease with another epoch
 * was lost: key states (written or forgotten), offsets and alerts of that partition are dropped, and the webhook messages
 * of dropped alerts with them. Rows without a partition (HTTP ingest, org states) are kept.
 */
export function fenceBatch(
  batch: StoreBatch,
  current: ReadonlyMap<string, number>,
): { batch: StoreBatch; lostPartitions: number[] } {
  const lost = new Set<number>();
  for (const lease of batch.leases ?? []) {
    if (current.get(leaseKey(lease)) !== lease.epoch) lost.add(lease.partition);
  }
  if (lost.size === 0) return { batch, lostPartitions: [] };
  const kept = (partition: number | undefined) => partition === undefined || !lost.has(partition);
  const alerts: StoreBatch['alerts'] = [];
  const droppedAlerts = new Set<string>();
  for (const write of batch.alerts) {
    if (kept(write.partition)) alerts.push(write);
    else droppedAlerts.add(write.alert.id);
  }
  const fenced: StoreBatch = {
    ...batch,
    alerts,
    keyStates: batch.keyStates.filter((state) => kept(state.partition)),
  };
  if (batch.forgottenKeys !== undefined)
    fenced.forgottenKeys = batch.forgottenKeys.filter((key) => kept(key.partition));
  if (batch.offsets !== undefined) fenced.offsets = batch.offsets.filter((offset) => kept(offset.partition));
  if (batch.outbox !== undefined)
    fenced.outbox = batch.outbox.filter(
      (message) => message.alertId === undefined || !droppedAlerts.has(message.alertId),
    );
  return { batch: fenced, lostPartitions: [...lost].sort((a, b) => a - b) };
}

/** Map key of a lease's partition. */
export function leaseKey(lease: Pick<PartitionLease, 'group' | 'topic' | 'partition'>): string {
  return `${lease.group}\u0000${lease.topic}\u0000${lease.partition}`;
}
