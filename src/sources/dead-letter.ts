import type { IngestResult } from '../service/types.js';
import type { OutgoingMessage, SourceMessage } from './kafka-client.js';

/** Headers every dead-lettered message carries (the original key, value and headers are kept). */
export const DEAD_LETTER_HEADERS = {
  reason: 'keywatch-reason',
  message: 'keywatch-message',
  topic: 'keywatch-original-topic',
  partition: 'keywatch-original-partition',
  offset: 'keywatch-original-offset',
  /** Only on a value cut to fit the dead-letter topic: the original size in bytes. */
  originalBytes: 'keywatch-original-bytes',
} as const;

const OWN_HEADERS = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/** Where a rejected message came from and why it was rejected. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  message: string;
}

/**
 * The dead-letter record of one rejected message: its key and value (the value cut to
 * `maxValueBytes`), its own headers, and Keywatch's headers with the reason and origin.
 *
 * @example
 * deadLetterRecord(message, { topic: 'logs', partition: 2, offset: '17', reason: 'bad_json', message: '…' }, 900_000)
 * // { key, value, headers: { 'keywatch-reason': 'bad_json', 'keywatch-original-offset': '17', … } }
 */
export function deadLetterRecord(
  original: SourceMessage,
  letter: DeadLetter,
  maxValueBytes: number,
): OutgoingMessage {
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(original.headers ?? {})) {
    // Kafka allows repeated headers; the producer API takes one value per name, so the first is kept.
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && !OWN_HEADERS.has(name)) headers[name] = first;
  }
  headers[DEAD_LETTER_HEADERS.reason] = letter.reason;
  headers[DEAD_LETTER_HEADERS.message] = letter.message;
  headers[DEAD_LETTER_HEADERS.topic] = letter.topic;
  headers[DEAD_LETTER_HEADERS.partition] = String(letter.partition);
  headers[DEAD_LETTER_HEADERS.offset] = letter.offset;
  let value = original.value;
  if (value !== null && value.byteLength > maxValueBytes) {
    headers[DEAD_LETTER_HEADERS.originalBytes] = String(value.byteLength);
    value = value.subarray(0, maxValueBytes);
  }
  return { key: original.key, value, headers };
}

/** Pairs the rejections of one processed chunk with the messages they refer to. */
export function deadLettersOf(
  topic: string,
  partition: number,
  messages: readonly SourceMessage[],
  rejected: IngestResult['rejected'],
): Array<{ original: SourceMessage; letter: DeadLetter }> {
  const out: Array<{ original: SourceMessage; letter: DeadLetter }> = [];
  for (const rejection of rejected) {
    const original = messages[rejection.index];
    if (original === undefined) continue;
    out.push({
      original,
      letter: {
        topic,
        partition,
        offset: original.offset,
        reason: rejection.reason,
        message: rejection.message,
      },
    });
  }
  return out;
}
