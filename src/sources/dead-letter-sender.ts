import type { Logger } from 'pino';
import type { IngestResult } from '../service/types.js';
import { deadLetterRecord, deadLettersOf } from './dead-letter.js';
import type { KafkaClient, MessageProducer, SourceMessage } from './kafka-client.js';
import { deadLetterTopicOf } from './kafka-config.js';
import type { KafkaSourceMetrics } from './kafka-metrics.js';

export interface DeadLetterSenderOptions {
  kafka: KafkaClient;
  topics: readonly string[];
  /** The dead-letter topic template (`{topic}.dlq`); empty: rejected messages are only counted and logged. */
  template: string;
  maxValueBytes: number;
  logger: Logger;
  metrics: KafkaSourceMetrics;
}

/**
 * Sends the messages the pipeline rejected to the dead-letter topic of their source topic, counted
 * by reason. It never blocks a partition: when the dead-letter topic refuses them, they are logged
 * (coordinates and reason, not the payload) and counted instead, and consumption goes on.
 */
export class DeadLetterSender {
  private readonly options: DeadLetterSenderOptions;
  private readonly targets = new Map<string, string | undefined>();
  private producer: MessageProducer | undefined;
  private ready: Promise<void> | undefined;

  constructor(options: DeadLetterSenderOptions) {
    this.options = options;
    for (const topic of options.topics) this.targets.set(topic, deadLetterTopicOf(options.template, topic));
  }

  /** Dead-letters the rejections of one processed run of `topic`/`partition`. */
  async send(
    topic: string,
    partition: number,
    messages: readonly SourceMessage[],
    rejected: IngestResult['rejected'],
  ): Promise<void> {
    const { logger, metrics } = this.options;
    // A repeated requestId is a duplicate delivery, not a bad message: counted by the runtime only.
    const letters = deadLettersOf(topic, partition, messages, rejected).filter(
      ({ letter }) => letter.reason !== 'duplicate',
    );
    if (letters.length === 0) return;
    const reasons: Record<string, number> = {};
    for (const { letter } of letters) {
      metrics.deadLetters.inc({ topic, reason: letter.reason });
      reasons[letter.reason] = (reasons[letter.reason] ?? 0) + 1;
    }
    const target = this.targets.get(topic);
    logger.warn(
      { topic, partition, firstOffset: letters[0]!.letter.offset, reasons, deadLetterTopic: target ?? null },
      'rejected Kafka messages',
    );
    if (target === undefined) return;
    const records = letters.map(({ original, letter }) =>
      deadLetterRecord(original, letter, this.options.maxValueBytes),
    );
    try {
      if (this.ready === undefined) {
        this.producer ??= this.options.kafka.producer();
        this.ready = this.producer.connect();
      }
      await this.ready;
      await this.producer!.send(target, records);
    } catch (error) {
      // The messages were processed (rejected) and their offsets stored: list them here instead,
      // so none disappears without a trace.
      this.ready = undefined;
      metrics.deadLetterFailures.inc({ topic }, letters.length);
      logger.error(
        { err: error, deadLetterTopic: target, letters: letters.map(({ letter }) => letter) },
        'the dead-letter topic refused rejected messages; they are listed here',
      );
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
  }
}
