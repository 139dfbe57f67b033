import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClaimedOutboxMessage, DeliveryCompletion, WebhookStore } from '../store/types.js';
import type { WebhookMetrics } from './metrics.js';
import { type RetryPolicy, retryDelay } from './retry-schedule.js';
import type { Sender } from './sender.js';
import { webhookHeaders } from './signing.js';
import type { LiveSubscription, SubscriptionRegistry } from './subscriptions.js';

export interface DeliveryWorkerOptions {
  store: WebhookStore;
  registry: SubscriptionRegistry;
  sender: Sender;
  logger: Logger;
  metrics: WebhookMetrics;
  retry: RetryPolicy;
  maxConcurrencyPerEndpoint: number;
  /** The sender's timeout: leases are sized from it. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** A subscription failing for this long (no success in between) is disabled. */
  disableAfterFailingMs: number;
  now?: () => number;
  random?: () => number;
}

interface Lane {
  queue: ClaimedOutboxMessage[];
  active: number;
}

/** Messages claimed per endpoint beyond those in flight: enough to keep its connections busy. */
const QUEUED_ROUNDS_PER_ENDPOINT = 4;
/** Most messages one instance holds claimed at once. */
const MAX_HELD = 2000;
const CLAIM_BATCH = 500;
const MAX_COMPLETIONS_PER_WRITE = 500;
const FLUSH_DELAY_MS = 5;

/**
 * Delivers the outbox. Due messages are claimed under a lease (so instances sharing a PostgreSQL
 * never send one message at the same time, and a crashed instance's claims come back when the lease
 * ends), queued per subscription and sent with at most `maxConcurrencyPerEndpoint` in flight each.
 * Only a 2xx answer delivers; other answers and errors are retried on the schedule (with jitter, or
 * later when a Retry-After asks for it) until the attempts run out; a 410 Gone disables the
 * subscription, and so does failing for longer than `disableAfterFailingMs`. Outcomes are written in
 * batches. The worker polls, and `wake()` makes it look at once (after a commit).
 */
export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #leasePrefix = randomBytes(6).toString('hex');
  readonly #leaseMs: number;
  readonly #laneCapacity: number;
  readonly #lanes = new Map<string, Lane>();
  #claims = 0;
  #held = 0;
  #completions: DeliveryCompletion[] = [];
  #flushing: Promise<void> | undefined;
  #ticking = false;
  #tickAgain = false;
  #tickScheduled = false;
  #poll: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#laneCapacity = options.maxConcurrencyPerEndpoint * QUEUED_ROUNDS_PER_ENDPOINT;
    // A claimed message waits for at most the rounds ahead of it in its lane, then takes one attempt.
    this.#leaseMs = options.timeoutMs * (QUEUED_ROUNDS_PER_ENDPOINT + 1) + 5000;
  }

  /** Starts polling for due messages. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#poll = setInterval(() => this.wake(), this.#options.pollIntervalMs);
    this.#poll.unref();
    this.wake();
  }

  /** Looks for due messages now (coalesced: many calls in one turn make one claim). */
  wake(): void {
    if (this.#stopped || this.#tickScheduled) return;
    this.#tickScheduled = true;
    setImmediate(() => {
      this.#tickScheduled = false;
      void this.#tick();
    });
  }

  /**
   * Stops claiming, lets deliveries in flight finish (within the timeout), hands queued messages back
   * and writes every outcome.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#poll);
    for (const lane of this.#lanes.values()) {
      for (const message of lane.queue.splice(0)) {
        this.#held--;
        this.#complete({
          messageId: message.id,
          lease: message.lease,
          state: 'pending',
          attempts: message.attempts,
        });
      }
    }
    const deadline = Date.now() + this.#options.timeoutMs + 1000;
    while ((this.#held > 0 || this.#ticking) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.#flush();
  }

  /** Messages claimed and not finished (for tests and metrics). */
  get held(): number {
    return this.#held;
  }

  async #tick(): Promise<void> {
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      do {
        this.#tickAgain = false;
        await this.#claimDue();
      } while (this.#tickAgain && !this.#stopped);
    } catch (error) {
      this.#options.logger.error({ err: error }, 'claiming webhook messages failed');
    } finally {
      this.#ticking = false;
    }
  }

  async #claimDue(): Promise<void> {
    const capacity = Math.min(CLAIM_BATCH, MAX_HELD - this.#held);
    if (capacity <= 0 || this.#stopped) return;
    const full: string[] = [];
    for (const [id, lane] of this.#lanes) {
      if (lane.queue.length + lane.active >= this.#laneCapacity) full.push(id);
    }
    const claimed = await this.#options.store.claim({
      lease: `${this.#leasePrefix}:${++this.#claims}`,
      now: this.#now(),
      leaseMs: this.#leaseMs,
      limit: capacity,
      skipSubscriptions: full,
    });
    this.#held += claimed.length;
    this.#options.metrics.inFlight.set(this.#held);
    for (const message of claimed) {
      let lane = this.#lanes.get(message.subscriptionId);
      if (lane === undefined) {
        lane = { queue: [], active: 0 };
        this.#lanes.set(message.subscriptionId, lane);
      }
      lane.queue.push(message);
    }
    for (const [id, lane] of this.#lanes) this.#pump(id, lane);
    // A full page means more may be due; a lane over its share is claimed again once it drains.
    if (claimed.length === capacity) this.#tickAgain = true;
  }

  #pump(subscriptionId: string, lane: Lane): void {
    while (!this.#stopped && lane.active < this.#options.maxConcurrencyPerEndpoint && lane.queue.length > 0) {
      const message = lane.queue.shift()!;
      lane.active++;
      void this.#deliver(message)
        .catch((error: unknown) => {
          this.#options.logger.error(
            { err: error, messageId: message.id },
            'webhook delivery failed unexpectedly',
          );
        })
        .finally(() => {
          lane.active--;
          this.#held--;
          this.#options.metrics.inFlight.set(this.#held);
          if (lane.active === 0 && lane.queue.length === 0) this.#lanes.delete(subscriptionId);
          else this.#pump(subscriptionId, lane);
          if (lane.queue.length < this.#laneCapacity / 2) this.wake();
        });
    }
  }

  async #deliver(message: ClaimedOutboxMessage): Promise<void> {
    const { registry, sender, metrics, retry } = this.#options;
    let subscription = registry.cached(message.subscriptionId);
    if (subscription === undefined || !subscription.active) {
      // The cache may lag behind the store (a subscription created or re-enabled elsewhere).
      await registry.refresh();
      subscription = registry.cached(message.subscriptionId);
    }
    if (subscription === undefined || !subscription.active) {
      this.#complete({
        messageId: message.id,
        lease: message.lease,
        state: 'failed',
        attempts: message.attempts,
        error: 'the subscription is disabled or deleted',
      });
      return;
    }
    const now = this.#now();
    const keys = subscription.signingKeys(now);
    const headers = webhookHeaders(keys, message.id, Math.floor(now / 1000), message.body);
    const response = await sender.send({ url: subscription.record.url, headers, body: message.body });
    const attempts = message.attempts + 1;
    const status = response.statusCode;
    const success = status !== null && status >= 200 && status < 300;
    const error = success ? undefined : (response.error ?? `answered ${status}`);
    const attempt = {
      messageId: message.id,
      subscriptionId: message.subscriptionId,
      attempt: attempts,
      startedAt: new Date(now).toISOString(),
      durationMs: response.durationMs,
      statusCode: status,
      success,
      error: error ?? null,
    };
    const base = { messageId: message.id, lease: message.lease, attempts, attempt };
    if (success) {
      this.#complete({ ...base, state: 'delivered' });
      metrics.attempts.inc({ outcome: 'delivered' });
      metrics.attemptSeconds.observe({ outcome: 'delivered' }, response.durationMs / 1000);
      metrics.deliveryLagSeconds.observe(Math.max(0, this.#now() - Date.parse(message.createdAt)) / 1000);
      if (subscription.record.failingSince !== undefined) await this.#recovered(subscription);
      return;
    }
    if (status === 410) {
      this.#complete({ ...base, state: 'failed', error });
      metrics.attempts.inc({ outcome: 'gone' });
      await this.#disable(subscription, 'gone', 'the endpoint answered 410 Gone');
      return;
    }
    const delay = message.singleAttempt
      ? undefined
      : retryDelay(retry, attempts, response.retryAfterMs, this.#random());
    const outcome = delay === undefined ? 'exhausted' : 'failed';
    this.#complete(
      delay === undefined
        ? { ...base, state: 'failed', error }
        : { ...base, state: 'pending', nextAttemptAt: this.#now() + delay, error },
    );
    metrics.attempts.inc({ outcome });
    metrics.attemptSeconds.observe({ outcome }, response.durationMs / 1000);
    await this.#failed(subscription, now);
  }

  /** A failure: starts the subscription's run of failures, or disables it when the run is too long. */
  async #failed(subscription: LiveSubscription, now: number): Promise<void> {
    const { record } = subscription;
    if (record.failingSince === undefined) {
      record.failingSince = new Date(now).toISOString();
      await this.#options.store.setSubscriptionFailing(record.id, record.failingSince);
      return;
    }
    if (now - Date.parse(record.failingSince) >= this.#options.disableAfterFailingMs) {
      await this.#disable(subscription, 'failing', `every delivery has failed since ${record.failingSince}`);
    }
  }

  async #recovered(subscription: LiveSubscription): Promise<void> {
    delete subscription.record.failingSince;
    await this.#options.store.setSubscriptionFailing(subscription.record.id, null);
  }

  async #disable(subscription: LiveSubscription, reason: 'gone' | 'failing', why: string): Promise<void> {
    const { record } = subscription;
    if (!subscription.active) return;
    subscription.active = false;
    const failed = await this.#options.store.disableSubscription(
      record.id,
      reason,
      new Date(this.#now()).toISOString(),
    );
    this.#options.metrics.disabled.inc({ reason });
    this.#options.logger.warn(
      { subscriptionId: record.id, endpoint: new URL(record.url).origin, reason, failedMessages: failed },
      `webhook subscription disabled: ${why}`,
    );
    await this.#options.registry.refresh();
  }

  #complete(completion: DeliveryCompletion): void {
    this.#completions.push(completion);
    if (this.#flushing === undefined) {
      // Outcomes wait a moment to share one transaction: one commit per outcome would cap throughput.
      this.#flushing = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_DELAY_MS)).then(() =>
        this.#flush(),
      );
    }
  }

  /** Writes the outcomes gathered so far (many per transaction), until none is left. */
  async #flush(): Promise<void> {
    try {
      while (this.#completions.length > 0) {
        const batch = this.#completions.splice(0, MAX_COMPLETIONS_PER_WRITE);
        try {
          await this.#options.store.complete(batch);
        } catch (error) {
          // The messages stay leased and come back when their lease ends: at least once, never lost.
          this.#options.logger.error(
            { err: error, messages: batch.length },
            'recording webhook outcomes failed',
          );
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
