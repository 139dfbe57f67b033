import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one Keywatch process; a registry per instance so tests stay isolated. */
export interface KeywatchMetrics {
  registry: Registry;
  eventsAccepted: Counter<'source'>;
  eventsRejected: Counter<'source' | 'reason'>;
  alerts: Counter<'severity' | 'kind'>;
  alertsPruned: Counter;
  detectorErrors: Counter<'detector'>;
  /** Wall clock minus event time of the latest processed event, in seconds. */
  processingLag: Gauge;
  storeLatency: Histogram<'operation'>;
  keysTracked: Gauge;
  consumerLag: Gauge<'topic' | 'partition'>;
}

/** Creates the metric set (and default process metrics) in a fresh registry. */
export function createMetrics(): KeywatchMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    eventsAccepted: new Counter({
      name: 'keywatch_events_accepted_total',
      help: 'Events accepted by the pipeline.',
      labelNames: ['source'],
      registers,
    }),
    eventsRejected: new Counter({
      name: 'keywatch_events_rejected_total',
      help: 'Events rejected (dead-lettered), by reason.',
      labelNames: ['source', 'reason'],
      registers,
    }),
    alerts: new Counter({
      name: 'keywatch_alert_changes_total',
      help: 'Alert episodes opened, updated and closed, by severity.',
      labelNames: ['severity', 'kind'],
      registers,
    }),
    alertsPruned: new Counter({
      name: 'keywatch_alerts_pruned_total',
      help: 'Alerts deleted because they were last seen longer ago than store.alertRetentionDays.',
      registers,
    }),
    detectorErrors: new Counter({
      name: 'keywatch_detector_errors_total',
      help: 'Exceptions thrown by detectors (the event was still processed by the others).',
      labelNames: ['detector'],
      registers,
    }),
    processingLag: new Gauge({
      name: 'keywatch_processing_lag_seconds',
      help: 'Wall clock minus event time of the latest processed event.',
      registers,
    }),
    storeLatency: new Histogram({
      name: 'keywatch_store_latency_seconds',
      help: 'Latency of store operations.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    keysTracked: new Gauge({ name: 'keywatch_keys_tracked', help: 'Keys with state in memory.', registers }),
    consumerLag: new Gauge({
      name: 'keywatch_consumer_lag_messages',
      help: 'Kafka consumer lag (high watermark minus committed offset), by partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
  };
}
