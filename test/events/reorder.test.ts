import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../../src/events/reorder.js';

interface TestEvent {
  ts: number;
  name: string;
}

function run(buffer: ReorderBuffer<TestEvent>, events: TestEvent[]): string[] {
  const out: TestEvent[] = [];
  for (const event of events) buffer.push(event, out);
  buffer.drain(out);
  return out.map((event) => event.name);
}

const at = (seconds: number, name: string): TestEvent => ({ ts: seconds * 1000, name });

describe('ReorderBuffer', () => {
  it('passes in-order events through in order, each once the watermark is far enough ahead', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 10_000 });
    expect(buffer.push(at(0, 'a'))).toEqual([]);
    expect(buffer.push(at(5, 'b'))).toEqual([]);
    expect(buffer.push(at(10, 'c')).map((event) => event.name)).toEqual(['a']);
    expect(buffer.push(at(16, 'd')).map((event) => event.name)).toEqual(['b']);
    expect(buffer.watermark).toBe(16_000);
    expect(buffer.size).toBe(2);
    expect(buffer.drain().map((event) => event.name)).toEqual(['c', 'd']);
    expect(buffer.size).toBe(0);
  });

  it('restores event-time order for events a little out of order', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 60_000 });
    const names = run(buffer, [at(10, 'b'), at(0, 'a'), at(40, 'd'), at(30, 'c'), at(100, 'f'), at(90, 'e')]);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(buffer.lateCount).toBe(0);
  });

  it('keeps arrival order for events with the same time', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 1000 });
    const names = run(buffer, [at(5, 'x1'), at(1, 'y'), at(5, 'x2'), at(5, 'x3'), at(3, 'z')]);
    expect(names).toEqual(['y', 'z', 'x1', 'x2', 'x3']);
  });

  it('releases a too-late event at once and counts it, never dropping it', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 10_000 });
    buffer.push(at(0, 'a'));
    expect(buffer.push(at(20, 'b')).map((event) => event.name)).toEqual(['a']);
    expect(buffer.push(at(100, 'c')).map((event) => event.name)).toEqual(['b']);
    const late = buffer.push(at(5, 'late'));
    expect(late.map((event) => event.name)).toEqual(['late']);
    expect(buffer.lateCount).toBe(1);
    expect(buffer.drain().map((event) => event.name)).toEqual(['c']);
  });

  it('releases everything immediately with zero lateness', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 0 });
    expect(buffer.push(at(1, 'a')).map((event) => event.name)).toEqual(['a']);
    expect(buffer.push(at(2, 'b')).map((event) => event.name)).toEqual(['b']);
    expect(buffer.push(at(1, 'c')).map((event) => event.name)).toEqual(['c']);
    expect(buffer.lateCount).toBe(1);
  });

  it('sorts a large shuffled window exactly like a stable sort by time', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const events: TestEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      // Times jitter by up to 30 s around a steady clock; lateness 60 s covers all of it.
      events.push({ ts: i * 100 + Math.floor(random() * 30_000), name: `e${i}` });
    }
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 60_000 });
    const expected = [...events].sort((a, b) => a.ts - b.ts).map((event) => event.name);
    expect(run(buffer, events)).toEqual(expected);
    expect(buffer.lateCount).toBe(0);
  });

  it('orders many events with equal times exactly like a stable sort, in and out of order', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const events: TestEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      // Few distinct times, a slow clock and jitter: many ties between in-order and late arrivals.
      events.push({ ts: (Math.floor(i / 50) + Math.floor(random() * 4)) * 1000, name: `e${i}` });
    }
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 10_000 });
    const expected = [...events].sort((a, b) => a.ts - b.ts).map((event) => event.name);
    expect(run(buffer, events)).toEqual(expected);
    expect(buffer.lateCount).toBe(0);
    expect(buffer.size).toBe(0);
  });

  it('counts waiting events and releases them as the watermark passes, across many pushes', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 1000 });
    let released = 0;
    for (let i = 0; i < 20_000; i++) {
      released += buffer.push(at(i / 10, `e${i}`)).length;
      expect(buffer.size + released).toBe(i + 1);
      expect(buffer.size).toBeLessThanOrEqual(11);
    }
  });

  it('gives the same output for the same input order', () => {
    const input = [at(9, 'a'), at(3, 'b'), at(9, 'c'), at(1, 'd'), at(80, 'e'), at(2, 'f')];
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 5000 });
    const first = run(buffer, input);
    const second = run(new ReorderBuffer<TestEvent>({ allowedLatenessMs: 5000 }), input);
    expect(first).toEqual(second);
    // b leaves once a (9 s) puts the watermark 5 s past it; d and f then come too late.
    expect(first).toEqual(['b', 'd', 'a', 'c', 'f', 'e']);
    expect(buffer.lateCount).toBe(2);
  });

  it('releases an event at infinite time and then waits for nothing', () => {
    const buffer = new ReorderBuffer<TestEvent>({ allowedLatenessMs: 0 });
    expect(buffer.push({ ts: Number.POSITIVE_INFINITY, name: 'end' }).map((event) => event.name)).toEqual([
      'end',
    ]);
    expect(buffer.size).toBe(0);
  });

  it('refuses a negative lateness', () => {
    expect(() => new ReorderBuffer({ allowedLatenessMs: -1 })).toThrow(
      expect.objectContaining({ code: 'KW_ERR_CONFIG_INVALID' }),
    );
  });
});
