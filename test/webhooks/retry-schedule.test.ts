import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS } from '../../src/webhooks/config.js';
import { parseRetryAfter, retryDelay } from '../../src/webhooks/retry-schedule.js';

const policy = { scheduleMs: DEFAULT_RETRY_SCHEDULE_MS, jitter: 0.2, maxRetryAfterMs: 86_400_000 };

describe('the retry schedule', () => {
  it('follows at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h and then gives up', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) =>
      retryDelay({ ...policy, jitter: 0 }, attempts, undefined, 0.5),
    );
    expect(delays).toEqual([
      5_000,
      300_000,
      1_800_000,
      7_200_000,
      18_000_000,
      36_000_000,
      36_000_000,
      undefined,
    ]);
  });

  it('moves each delay by at most the jitter share', () => {
    expect(retryDelay(policy, 1, undefined, 0)).toBe(4_000);
    expect(retryDelay(policy, 1, undefined, 0.999_999)).toBe(6_000);
    expect(retryDelay(policy, 2, undefined, 0.25)).toBe(270_000);
  });

  it('waits for a longer Retry-After, up to the cap, but never less than the schedule', () => {
    const exact = { ...policy, jitter: 0 };
    expect(retryDelay(exact, 1, 60_000, 0.5)).toBe(60_000);
    expect(retryDelay(exact, 2, 60_000, 0.5)).toBe(300_000);
    expect(retryDelay({ ...exact, maxRetryAfterMs: 100_000 }, 1, 10_000_000, 0.5)).toBe(100_000);
    expect(retryDelay(exact, 8, 60_000, 0.5)).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-03T09:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(['7'], now)).toBe(7_000);
    expect(parseRetryAfter('Tue, 03 Nov 2026 09:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 03 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
