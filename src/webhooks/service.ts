import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { AlertChange } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import type { OutboxMessage, StatusOutbox, Store, WebhookStore } from '../store/types.js';
import { type AddressPolicy, createAddressPolicy } from './address-policy.js';
import { AlertFeed } from './alert-feed.js';
import type { WebhooksConfig } from './config.js';
import { DeliveryWorker } from './delivery-worker.js';
import { type WebhookMetrics, webhookMetrics } from './metrics.js';
import { createOutboxHook, createStatusOutboxHook } from './outbox-hook.js';
import { randomMessageId, standardBody } from './payload.js';
import { sampleAlert } from './sample-alert.js';
import { createSecretBox, resealSecrets, type SecretBox, withSealedSecrets } from './secret-box.js';
import { createSender, type Sender } from './sender.js';
import { webhookHeaders } from './signing.js';
import { slackBody } from './slack-format.js';
import { live, SubscriptionRegistry } from './subscriptions.js';

export interface WebhookServiceOptions {
  store: Store;
  config: WebhooksConfig;
  logger: Logger;
  /** Where the webhook metrics go (the service's registry); a private one when absent. */
  metricsRegistry?: Registry;
  now?: () => number;
}

/** What `POST /v1/webhooks/:id/test` answers. */
export interface TestDeliveryResult {
  messageId: string;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** Subscriptions changed by other instances are seen within this time. */
const REFRESH_INTERVAL_MS = 5000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * Real-time delivery, assembled: the SSRF policy, the subscriptions (API and config), the outbox
 * hooks the runtime calls in its commits, the delivery worker, the sender, and the alert feed of the
 * live stream. `create` validates the configuration and syncs the config subscriptions; `start`
 * begins delivering; `stop` finishes what is in flight.
 *
 * @example
 * const webhooks = await WebhookService.create({ store, config: config.webhooks, logger });
 * const runtime = await Runtime.create({ ...options, outbox: webhooks.outbox, statusOutbox: webhooks.statusOutbox });
 * webhooks.start(runtime);
 */
export class WebhookService {
  readonly config: WebhooksConfig;
  readonly policy: AddressPolicy;
  readonly subscriptions: SubscriptionRegistry;
  readonly feed: AlertFeed;
  /** The runtime's `outbox` hook. */
  readonly outbox: (changes: readonly AlertChange[]) => OutboxMessage[];
  /** The runtime's `statusOutbox` hook (people resolving alerts). */
  readonly statusOutbox: StatusOutbox;
  readonly metrics: WebhookMetrics;
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sender: Sender;
  readonly #box: SecretBox;
  readonly #worker: DeliveryWorker;
  #timers: NodeJS.Timeout[] = [];
  #detach: (() => void) | undefined;

  private constructor(options: WebhookServiceOptions, policy: AddressPolicy) {
    const { config, store, logger } = options;
    this.config = config;
    this.policy = policy;
    this.#store = store;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    this.metrics = webhookMetrics(options.metricsRegistry ?? new Registry());
    this.#box = createSecretBox(config.secretsKey, config.previousSecretsKeys);
    this.subscriptions = new SubscriptionRegistry({
      store: withSealedSecrets(store.webhooks, this.#box),
      policy,
      logger,
      previousSecretHours: config.previousSecretHours,
      now: this.#now,
    });
    const hookOptions = { now: this.#now, firstDelayMs: config.retryScheduleMs[0] ?? 0 };
    this.outbox = createOutboxHook(this.subscriptions, hookOptions);
    this.statusOutbox = createStatusOutboxHook(this.subscriptions, hookOptions);
    this.#sender = createSender({
      policy,
      timeoutMs: config.timeoutMs,
      maxSocketsPerHost: config.maxConcurrencyPerEndpoint,
    });
    this.#worker = new DeliveryWorker({
      store: store.webhooks,
      registry: this.subscriptions,
      sender: this.#sender,
      logger,
      metrics: this.metrics,
      retry: {
        scheduleMs: config.retryScheduleMs,
        jitter: config.retryJitter,
        maxRetryAfterMs: config.maxRetryAfterSeconds * 1000,
      },
      maxConcurrencyPerEndpoint: config.maxConcurrencyPerEndpoint,
      timeoutMs: config.timeoutMs,
      pollIntervalMs: config.pollIntervalMs,
      disableAfterFailingMs: config.disableAfterFailingHours * 3_600_000,
      now: this.#now,
    });
    this.feed = new AlertFeed({
      store: store.webhooks,
      logger,
      pollIntervalMs: config.stream.pollIntervalMs,
    });
  }

  /**
   * Validates the `webhooks` section (allowNetworks, config subscriptions) and loads the
   * subscriptions; a bad setting stops start-up with KW_ERR_CONFIG_INVALID naming it.
   */
  static async create(options: WebhookServiceOptions): Promise<WebhookService> {
    const service = new WebhookService(options, createAddressPolicy(options.config.allowNetworks));
    await service.#sealStoredSecrets();
    await service.subscriptions.syncConfig(options.config.subscriptions);
    return service;
  }

  /** Encrypts the stored signing secrets with the configured key, or warns that they are in clear. */
  async #sealStoredSecrets(): Promise<void> {
    const count = await resealSecrets(this.#store.webhooks, this.#box);
    if (count === 0) return;
    if (this.#box.enabled)
      this.#logger.info(
        { subscriptions: count },
        'webhook signing secrets encrypted with webhooks.secretsKey',
      );
    else
      this.#logger.warn(
        { subscriptions: count },
        'webhook signing secrets are stored unencrypted: set webhooks.secretsKey (KEYWATCH_WEBHOOK_SECRETS_KEY)',
      );
  }

  /**
   * Starts delivering: frees the leases a crashed embedded process left (SQLite has one serving
   * process), wakes the worker after each commit of `runtime`, refreshes subscriptions and prunes.
   */
  async start(runtime?: {
    onAlertChange(listener: (change: AlertChange) => void): () => void;
  }): Promise<void> {
    if (this.#store.kind === 'sqlite') {
      const released = await this.#store.webhooks.releaseLeases();
      if (released > 0)
        this.#logger.info({ messages: released }, 'webhook messages claimed before a restart are due again');
    }
    this.#detach = runtime?.onAlertChange(() => this.#worker.wake());
    this.#every(REFRESH_INTERVAL_MS, () => this.subscriptions.refresh(), 'refreshing webhook subscriptions');
    this.#every(PRUNE_INTERVAL_MS, () => this.prune(), 'pruning webhook messages');
    await this.prune().catch((error: unknown) =>
      this.#logger.error({ err: error }, 'pruning webhook messages failed'),
    );
    this.#worker.start();
  }

  /** The store's webhook side (deliveries, redelivery). */
  get store(): WebhookStore {
    return this.#store.webhooks;
  }

  /** Looks for due messages now. */
  wake(): void {
    this.#worker.wake();
  }

  /** Stops delivering (deliveries in flight finish within the timeout) and the live stream's feed. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#detach?.();
    this.feed.close();
    await this.#worker.stop();
    this.#sender.close();
  }

  /** Deletes finished messages and alert events past their retention. */
  async prune(): Promise<void> {
    const now = this.#now();
    const pruned = await this.#store.webhooks.prune({
      finishedBefore: new Date(now - this.config.deliveryRetentionDays * 86_400_000).toISOString(),
      alertEventsBefore: new Date(now - this.config.stream.retentionHours * 3_600_000).toISOString(),
    });
    if (pruned.messages + pruned.alertEvents > 0)
      this.#logger.debug(pruned, 'pruned webhook messages and alert events');
  }

  /**
   * Sends a `webhook.test` message with a sample alert to a subscription now (one attempt, recorded
   * in its deliveries) and tells how it went.
   */
  async sendTest(subscriptionId: string): Promise<TestDeliveryResult> {
    const subscription = live(await this.subscriptions.get(subscriptionId));
    if (!subscription.active) {
      throw new KeywatchError(
        'KW_ERR_CONFLICT',
        'The subscription is disabled; enable it first (PATCH enabled: true)',
      );
    }
    const now = this.#now();
    const createdAt = new Date(now).toISOString();
    const alert = sampleAlert(new Date(now));
    const body =
      subscription.record.format === 'slack'
        ? slackBody('webhook.test', alert)
        : standardBody('webhook.test', alert, createdAt);
    const message = { id: randomMessageId(), subscriptionId, type: 'webhook.test' as const, body, createdAt };
    const lease = `test:${message.id}`;
    await this.#store.webhooks.enqueue([message], {
      singleAttempt: true,
      lease: { token: lease, until: now + this.config.timeoutMs + 5000 },
    });
    const headers = webhookHeaders(subscription.signingKeys(now), message.id, Math.floor(now / 1000), body);
    const response = await this.#sender.send({ url: subscription.record.url, headers, body });
    const success = response.statusCode !== null && response.statusCode >= 200 && response.statusCode < 300;
    const error = success ? null : (response.error ?? `answered ${response.statusCode}`);
    await this.#store.webhooks.complete([
      {
        messageId: message.id,
        lease,
        state: success ? 'delivered' : 'failed',
        attempts: 1,
        ...(error !== null ? { error } : {}),
        attempt: {
          messageId: message.id,
          subscriptionId,
          attempt: 1,
          startedAt: createdAt,
          durationMs: response.durationMs,
          statusCode: response.statusCode,
          success,
          error,
        },
      },
    ]);
    return {
      messageId: message.id,
      success,
      statusCode: response.statusCode,
      durationMs: response.durationMs,
      error,
    };
  }

  #every(intervalMs: number, work: () => Promise<void>, what: string): void {
    const timer = setInterval(() => {
      work().catch((error: unknown) => this.#logger.error({ err: error }, `${what} failed`));
    }, intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }
}
