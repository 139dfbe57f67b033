import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreBackpressure } from '../../src/sources/store-backpressure.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('store backpressure', () => {
  it('pauses on a commit slower than the limit and resumes after a probe answers within the resume limit', async () => {
    vi.useFakeTimers();
    let clock = 0;
    let probeMs = 500;
    const events: string[] = [];
    const backpressure = new StoreBackpressure({
      commitLatencyMs: 1000,
      checkEveryMs: 100,
      resumeBelowMs: 50,
      now: () => clock,
      probe: async () => {
        clock += probeMs;
      },
      onPause: (ms) => events.push(`pause ${ms}`),
      onResume: (ms) => events.push(`resume ${ms}`),
    });
    expect(backpressure.observe(999)).toBe(false);
    expect(backpressure.observe(1500)).toBe(true);
    expect(backpressure.paused).toBe(true);
    // Already paused: no second pause.
    expect(backpressure.observe(5000)).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['pause 1500']);
    probeMs = 10;
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['pause 1500', 'resume 10']);
    expect(backpressure.paused).toBe(false);
  });

  it('stays paused while the probe fails', async () => {
    vi.useFakeTimers();
    let failing = true;
    const resumed: number[] = [];
    const backpressure = new StoreBackpressure({
      commitLatencyMs: 10,
      checkEveryMs: 100,
      resumeBelowMs: 1000,
      probe: async () => {
        if (failing) throw new Error('connection refused');
      },
      onPause: () => {},
      onResume: (ms) => resumed.push(ms),
    });
    backpressure.observe(20);
    await vi.advanceTimersByTimeAsync(500);
    expect(resumed).toEqual([]);
    failing = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(resumed).toHaveLength(1);
    backpressure.stop();
  });
});
