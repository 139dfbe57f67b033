import { describe, expect, it } from 'vitest';
import { type AlignedRun, EventTimeAligner } from '../../src/sources/event-time-aligner.js';
import { PartitionOwnership } from '../../src/sources/partition-ownership.js';
import { message } from './fake-kafka.js';

function setup(windowMs: number, waitMs = 1000) {
  const ownership = new PartitionOwnership({ partitionedByKeyId: true });
  ownership.join({ logs: [0, 1, 2] });
  const aligner = new EventTimeAligner({ windowMs, waitMs });
  aligner.reset(ownership.assigned());
  const lane = (partition: number) => ownership.get('logs', partition)!;
  const drain = (now = 0) => {
    const runs: string[] = [];
    for (;;) {
      const next = aligner.next(now, 100);
      if (next === undefined || 'waitUntil' in next) return { runs, next };
      runs.push(
        `${next.owner.partition}:${(next as AlignedRun).messages.map((m) => m.value!.toString()).join(',')}`,
      );
    }
  };
  return { aligner, lane, drain };
}

describe('the event-time aligner', () => {
  it('merges buffered partitions by record timestamp', () => {
    const { aligner, lane, drain } = setup(0.5);
    aligner.add(lane(0), [message(0, 'a', 1), message(1, 'd', 4)], '2');
    aligner.add(lane(1), [message(0, 'b', 2), message(1, 'e', 5)], '2');
    aligner.add(lane(2), [message(0, 'c', 3)], '1');
    expect(drain().runs).toEqual(['0:a', '1:b', '2:c', '0:d', '1:e']);
  });

  it('lets a run go up to the next partition’s timestamp plus the window', () => {
    const { aligner, lane, drain } = setup(10);
    aligner.add(lane(0), [message(0, 'a', 0), message(1, 'b', 5), message(2, 'c', 31)], '3');
    aligner.add(lane(1), [message(0, 'x', 20)], '1');
    aligner.add(lane(2), [], '0');
    aligner.expect(lane(2), 0n, 0n);
    expect(drain().runs).toEqual(['0:a,b', '1:x', '0:c']);
  });

  it('waits for a partition behind its end that has delivered nothing, then goes on without it', () => {
    const { aligner, lane } = setup(10, 1000);
    aligner.expect(lane(1), 0n, 0n);
    aligner.expect(lane(2), 5n, 9n);
    aligner.add(lane(0), [message(0, 'a', 50)], '1');
    expect(aligner.next(0, 100)).toEqual({ waitUntil: 1000 });
    expect(aligner.next(999, 100)).toEqual({ waitUntil: 1000 });
    const run = aligner.next(1000, 100) as AlignedRun;
    expect(run.owner).toBe(lane(0));
  });

  it('does not wait for partitions that delivered up to their high watermark (live traffic)', () => {
    const { aligner, lane, drain } = setup(10, 60_000);
    aligner.expect(lane(0), 0n, 0n);
    aligner.add(lane(1), [message(0, 'old', 1)], '1');
    aligner.add(lane(2), [message(0, 'older', 0)], '1');
    expect(drain().runs).toEqual(['2:older', '1:old']);
    aligner.add(lane(0), [message(0, 'new', 1000)], '1');
    expect(drain().runs).toEqual(['0:new']);
  });

  it('buffers only messages after the processed position and after what it already holds', () => {
    const { aligner, lane, drain } = setup(0);
    lane(0).position = 2n;
    expect(aligner.add(lane(0), [message(0, 'a'), message(1, 'b'), message(2, 'c')], '3')).toBe(1);
    expect(aligner.add(lane(0), [message(2, 'c'), message(3, 'd')], '4')).toBe(1);
    expect(aligner.buffered(lane(0))).toBe(2);
    expect(drain().runs).toEqual(['0:c,d']);
  });

  it('without a window hands out runs in turn, as batches arrive', () => {
    const { aligner, lane, drain } = setup(0);
    aligner.add(lane(0), [message(0, 'late', 100)], '1');
    aligner.add(lane(1), [message(0, 'early', 1)], '1');
    expect(drain().runs).toEqual(['0:late', '1:early']);
  });
});
