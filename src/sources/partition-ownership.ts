/** What this instance knows of one assigned topic-partition. */
export interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The runtime holds the state of this partition's keys (loaded from the store, or built here). */
  owned: boolean;
  /** Checked against the store since the latest group join. */
  prepared: boolean;
  /** Already sought back to the stored offset since the latest join (never twice: no seek loop). */
  sought: boolean;
  /** Next offset to process: the offset committed to the store with this partition's state. */
  position: bigint | undefined;
  /** The partition every key of this partition's messages is checkpointed with. */
  readonly partitionOf: (keyId: string) => number | undefined;
}

function topicPartition(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The partitions this group member owns, across group generations. The runtime identifies a key's
 * partition by its number only, so revocations are by number: a number is revoked when no assigned
 * topic has it any more (with several topics, one instance must own all of them anyway).
 *
 * @example
 * const ownership = new PartitionOwnership({ partitionedByKeyId: true });
 * ownership.join({ logs: [0, 1, 2] }); // revoked: []
 * ownership.join({ logs: [0, 1] });    // revoked: [2]
 */
export class PartitionOwnership {
  private readonly partitions = new Map<string, OwnedPartition>();
  private readonly partitionedByKeyId: boolean;

  constructor(options: { partitionedByKeyId: boolean }) {
    this.partitionedByKeyId = options.partitionedByKeyId;
  }

  /**
   * A new group generation assigned these partitions. Returns the partition numbers whose keys the
   * runtime must drop: those assigned before and not any more. Every assigned partition must be
   * checked against the store again before its next batch.
   */
  join(assignment: Readonly<Record<string, readonly number[]>>): number[] {
    const assignedNumbers = new Set<number>();
    const assignedKeys = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        assignedNumbers.add(partition);
        assignedKeys.add(topicPartition(topic, partition));
      }
    }
    const revoked = new Set<number>();
    for (const [key, state] of this.partitions) {
      if (assignedKeys.has(key)) continue;
      this.partitions.delete(key);
      if (!assignedNumbers.has(state.partition)) revoked.add(state.partition);
    }
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = topicPartition(topic, partition);
        const known = this.partitions.get(key);
        if (known !== undefined) {
          known.prepared = false;
          known.sought = false;
          continue;
        }
        const partitionOf = this.partitionedByKeyId ? () => partition : () => undefined;
        this.partitions.set(key, {
          topic,
          partition,
          owned: false,
          prepared: false,
          sought: false,
          position: undefined,
          partitionOf,
        });
      }
    }
    return [...revoked].sort((a, b) => a - b);
  }

  /** The state of an assigned partition; undefined when it is not assigned to this member. */
  get(topic: string, partition: number): OwnedPartition | undefined {
    return this.partitions.get(topicPartition(topic, partition));
  }

  /** Every assigned partition. */
  assigned(): OwnedPartition[] {
    return [...this.partitions.values()];
  }
}
