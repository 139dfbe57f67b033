import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the Kafka source, beside the process-wide ones of src/metrics.ts. */
export interface KafkaSourceMetrics {
  deadLetters: Counter<'topic' | 'reason'>;
  deadLetterFailures: Counter<'topic'>;
  paused: Gauge;
  consumerRestarts: Counter;
  partitionsLost: Counter;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * The Kafka source's metrics in `registry` (created once per registry: a recreated consumer or a
 * second source in one process shares them).
 */
export function kafkaSourceMetrics(registry: Registry): KafkaSourceMetrics {
  const registers = [registry];
  return {
    deadLetters:
      existing(registry, 'keywatch_kafka_dead_letters_total') ??
      new Counter({
        name: 'keywatch_kafka_dead_letters_total',
        help: 'Rejected Kafka messages sent to the dead-letter topic (or only logged when it is off), by reason.',
        labelNames: ['topic', 'reason'],
        registers,
      }),
    deadLetterFailures:
      existing(registry, 'keywatch_kafka_dead_letter_failures_total') ??
      new Counter({
        name: 'keywatch_kafka_dead_letter_failures_total',
        help: 'Rejected Kafka messages the dead-letter topic refused; they are logged at error level instead.',
        labelNames: ['topic'],
        registers,
      }),
    paused:
      existing(registry, 'keywatch_kafka_paused') ??
      new Gauge({
        name: 'keywatch_kafka_paused',
        help: '1 while Kafka consumption is paused because the store falls behind.',
        registers,
      }),
    consumerRestarts:
      existing(registry, 'keywatch_kafka_consumer_restarts_total') ??
      new Counter({
        name: 'keywatch_kafka_consumer_restarts_total',
        help: 'Kafka consumers recreated after a crash the client did not recover from.',
        registers,
      }),
    partitionsLost:
      existing(registry, 'keywatch_kafka_partitions_lost_total') ??
      new Counter({
        name: 'keywatch_kafka_partitions_lost_total',
        help: 'Partitions whose store lease another instance claimed while this one still processed them (their writes were fenced off; the consumer rejoined its group).',
        registers,
      }),
  };
}
