/**
 * The `Retry-After` of an answer in ms from now (delay-seconds or an HTTP date), or undefined when
 * absent or unreadable.
 *
 * @example parseRetryAfter('120', Date.now()) // 120000
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^[0-9]{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP dates name the day and month; a bare "-5" would otherwise parse as the year -5.
  const date = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** What decides when a failed message is tried again. */
export interface RetryPolicy {
  /** Delay before each attempt; its length is the number of attempts. */
  scheduleMs: readonly number[];
  /** Share by which a delay moves at random (0.2 = ±20 %). */
  jitter: number;
  /** Longest Retry-After honoured, in ms. */
  maxRetryAfterMs: number;
}

/**
 * When to try a message again after its `attempts`-th attempt failed, in ms from now, or undefined
 * when that was its last attempt. A Retry-After longer than the schedule's delay wins (up to the
 * cap); `random` is in [0, 1).
 *
 * @example
 * retryDelay({ scheduleMs: [0, 5000], jitter: 0, maxRetryAfterMs: 1e9 }, 1, undefined, 0.5) // 5000
 */
export function retryDelay(
  policy: RetryPolicy,
  attempts: number,
  retryAfterMs: number | undefined,
  random: number,
): number | undefined {
  const scheduled = policy.scheduleMs[attempts];
  if (scheduled === undefined) return undefined;
  const jittered = Math.round(scheduled * (1 + policy.jitter * (2 * random - 1)));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
