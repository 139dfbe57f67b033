import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of webhook delivery. */
export interface WebhookMetrics {
  /** Attempts by outcome: delivered, failed (will retry), exhausted (last attempt failed), refused. */
  attempts: Counter<'outcome'>;
  attemptSeconds: Histogram<'outcome'>;
  /** From the message's creation (the alert's commit) to its successful delivery. */
  deliveryLagSeconds: Histogram;
  disabled: Counter<'reason'>;
  inFlight: Gauge;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** The webhook metrics in `registry`, created on first use (several services may share a registry). */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  return {
    attempts:
      existing(registry, 'keywatch_webhook_attempts_total') ??
      new Counter({
        name: 'keywatch_webhook_attempts_total',
        help: 'Webhook delivery attempts, by outcome (delivered, failed, exhausted, gone).',
        labelNames: ['outcome'],
        registers,
      }),
    attemptSeconds:
      existing(registry, 'keywatch_webhook_attempt_seconds') ??
      new Histogram({
        name: 'keywatch_webhook_attempt_seconds',
        help: 'Duration of webhook delivery attempts.',
        labelNames: ['outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    deliveryLagSeconds:
      existing(registry, 'keywatch_webhook_delivery_lag_seconds') ??
      new Histogram({
        name: 'keywatch_webhook_delivery_lag_seconds',
        help: 'Time from an alert change being stored to its successful delivery.',
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 36_000],
        registers,
      }),
    disabled:
      existing(registry, 'keywatch_webhook_subscriptions_disabled_total') ??
      new Counter({
        name: 'keywatch_webhook_subscriptions_disabled_total',
        help: 'Webhook subscriptions disabled automatically, by reason (gone = 410, failing = failed too long).',
        labelNames: ['reason'],
        registers,
      }),
    inFlight:
      existing(registry, 'keywatch_webhook_in_flight') ??
      new Gauge({
        name: 'keywatch_webhook_in_flight',
        help: 'Webhook deliveries claimed and not finished.',
        registers,
      }),
  };
}
