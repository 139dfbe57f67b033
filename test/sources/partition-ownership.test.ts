import { describe, expect, it } from 'vitest';
import { PartitionOwnership } from '../../src/sources/partition-ownership.js';

describe('partition ownership across group joins', () => {
  it('revokes the partitions a later join takes away and keeps the state of those it keeps', () => {
    const ownership = new PartitionOwnership({ partitionedByKeyId: true });
    ownership.join({ logs: [0, 1, 2] });
    const kept = ownership.get('logs', 1)!;
    kept.owned = true;
    kept.prepared = true;
    kept.position = 17n;
    expect(ownership.join({ logs: [1, 3] })).toEqual([0, 2]);
    expect(ownership.get('logs', 1)).toBe(kept);
    expect(kept.position).toBe(17n);
    // Checked against the store again before its next batch.
    expect(kept.prepared).toBe(false);
    expect(ownership.get('logs', 0)).toBeUndefined();
    expect(ownership.get('logs', 3)?.owned).toBe(false);
  });

  it('checkpoints keys with their partition only when the input is keyed by keyId', () => {
    const keyed = new PartitionOwnership({ partitionedByKeyId: true });
    keyed.join({ logs: [4] });
    expect(keyed.get('logs', 4)!.partitionOf('any-key')).toBe(4);
    const unkeyed = new PartitionOwnership({ partitionedByKeyId: false });
    unkeyed.join({ logs: [4] });
    expect(unkeyed.get('logs', 4)!.partitionOf('any-key')).toBeUndefined();
  });

  it('does not revoke a partition number another assigned topic still has', () => {
    const ownership = new PartitionOwnership({ partitionedByKeyId: true });
    ownership.join({ a: [0, 1], b: [0] });
    expect(ownership.join({ b: [0] })).toEqual([1]);
  });
});
