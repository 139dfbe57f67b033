import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, deadLetterRecord, deadLettersOf } from '../../src/sources/dead-letter.js';
import type { SourceMessage } from '../../src/sources/kafka-client.js';

function original(value: string | Buffer | null, headers: SourceMessage['headers'] = {}): SourceMessage {
  return {
    key: Buffer.from('key-1'),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    offset: '41',
    timestamp: '0',
    headers,
  };
}

const letter = {
  topic: 'logs',
  partition: 3,
  offset: '41',
  reason: 'bad_json',
  message: 'The line is not valid JSON',
};

describe('a dead-letter record', () => {
  it('keeps the original key, value and headers and adds the reason and the origin', () => {
    const record = deadLetterRecord(original('{"ts":', { trace: Buffer.from('abc') }), letter, 1024);
    expect(record.key?.toString()).toBe('key-1');
    expect(record.value?.toString()).toBe('{"ts":');
    expect(record.headers).toEqual({
      trace: Buffer.from('abc'),
      [DEAD_LETTER_HEADERS.reason]: 'bad_json',
      [DEAD_LETTER_HEADERS.message]: 'The line is not valid JSON',
      [DEAD_LETTER_HEADERS.topic]: 'logs',
      [DEAD_LETTER_HEADERS.partition]: '3',
      [DEAD_LETTER_HEADERS.offset]: '41',
    });
  });

  it('cuts a value larger than the limit and says how large it was', () => {
    const big = Buffer.alloc(5000, 'x');
    const record = deadLetterRecord(original(big), letter, 1024);
    expect((record.value as Buffer).byteLength).toBe(1024);
    expect(record.headers?.[DEAD_LETTER_HEADERS.originalBytes]).toBe('5000');
  });

  it('does not let a message forge Keywatch’s own headers, and keeps the first of repeated headers', () => {
    const record = deadLetterRecord(
      original('x', { 'keywatch-reason': 'forged', repeated: [Buffer.from('one'), Buffer.from('two')] }),
      letter,
      1024,
    );
    expect(record.headers?.['keywatch-reason']).toBe('bad_json');
    expect(record.headers?.repeated).toEqual(Buffer.from('one'));
  });

  it('keeps a tombstone (null value) as it is', () => {
    expect(deadLetterRecord(original(null), letter, 1024).value).toBeNull();
  });

  it('pairs each rejection with the message at its index', () => {
    const messages = [original('a'), { ...original('b'), offset: '42' }];
    const letters = deadLettersOf('logs', 3, messages, [
      { index: 1, reason: 'missing_ip', message: 'no ip' },
    ]);
    expect(letters).toEqual([
      {
        original: messages[1],
        letter: { topic: 'logs', partition: 3, offset: '42', reason: 'missing_ip', message: 'no ip' },
      },
    ]);
  });
});
