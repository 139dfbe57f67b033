import { describe, expect, it } from 'vitest';
import {
  EventBatchDecoder,
  EventBatchEncoder,
  type EventBatchMessage,
} from '../../src/events/event-batch.js';
import type { AccessEvent, Rejection } from '../../src/events/types.js';

type Item = { event: AccessEvent; position: number } | { rejection: Rejection; position: number };

function event(index: number, overrides: Partial<AccessEvent> = {}): AccessEvent {
  return {
    ts: 1_793_697_012_000 + index,
    keyId: `key-${index % 7}`,
    ip: `81.2.69.${index % 250}`,
    method: 'GET',
    path: `/v1/rooms/${index}`,
    route: '/v1/rooms/{id}',
    status: 200,
    bytesOut: index * 10,
    bytesIn: 0,
    userAgent: 'curl/8.5',
    orgId: 'org-1',
    requestId: `req-${index}`,
    ...overrides,
  };
}

/** What crosses the thread boundary: the requestId has served its purpose (dedupe) before it. */
function expected(input: AccessEvent): AccessEvent {
  return { ...input, requestId: undefined };
}

function decodeAll(decoder: EventBatchDecoder, messages: EventBatchMessage[]): Item[] {
  const items: Item[] = [];
  for (const message of messages) {
    decoder.decode(
      // A structured clone, as postMessage makes it.
      structuredClone(message),
      (decoded, position) => items.push({ event: decoded, position }),
      (rejection, position) => items.push({ rejection, position }),
    );
  }
  return items;
}

describe('event batches', () => {
  it('carry events, absent fields and rejections across in input order', () => {
    const encoder = new EventBatchEncoder();
    const plain = event(1);
    const sparse: AccessEvent = {
      ts: 1_793_697_012_500,
      keyId: 'key-1',
      ip: '2001:db8::1',
      method: undefined,
      path: '/v1/people/me',
      route: '/v1/people/me',
      status: undefined,
      bytesOut: undefined,
      bytesIn: undefined,
      userAgent: undefined,
      orgId: undefined,
      requestId: undefined,
    };
    encoder.reject({ reason: 'bad_json', message: 'not JSON' }, 1);
    encoder.add(plain, 2);
    encoder.reject({ reason: 'missing_ip', message: '"ip" is required' }, 3);
    encoder.reject({ reason: 'duplicate', message: 'dup' }, 4);
    encoder.add(sparse, 5);
    encoder.add(event(2, { path: undefined, route: undefined, bytesOut: 0 }), 6);
    encoder.reject({ reason: 'oversized_line', message: 'long' }, 7);
    const items = decodeAll(new EventBatchDecoder(), [encoder.take(123).message]);
    expect(items).toEqual([
      { rejection: { reason: 'bad_json', message: 'not JSON' }, position: 1 },
      { event: expected(plain), position: 2 },
      { rejection: { reason: 'missing_ip', message: '"ip" is required' }, position: 3 },
      { rejection: { reason: 'duplicate', message: 'dup' }, position: 4 },
      { event: sparse, position: 5 },
      { event: expected(event(2, { path: undefined, route: undefined, bytesOut: 0 })), position: 6 },
      { rejection: { reason: 'oversized_line', message: 'long' }, position: 7 },
    ]);
    // The decoded objects have the parser's property order (one shape downstream).
    const decoded = items[1] as { event: AccessEvent };
    expect(Object.keys(decoded.event)).toEqual(Object.keys(plain));
  });

  it('send each repeated string once and give the same string object back', () => {
    const encoder = new EventBatchEncoder();
    for (let index = 0; index < 100; index++) encoder.add(event(index), index + 1);
    const message = encoder.take(0).message;
    // 7 key ids, 100 addresses (index % 250), 1 each of method, route, agent, org.
    expect(message.added.length).toBe(7 + 100 + 4);
    const items = decodeAll(new EventBatchDecoder(), [message]) as Array<{ event: AccessEvent }>;
    expect(items[0]!.event.keyId).toBe(items[7]!.event.keyId);
    expect(items.map((item) => item.event)).toEqual(
      Array.from({ length: 100 }, (_, i) => expected(event(i))),
    );
  });

  it('refuse an event beyond the capacity instead of dropping it', () => {
    const encoder = new EventBatchEncoder({ capacity: 2 });
    encoder.add(event(1), 1);
    encoder.add(event(2), 2);
    expect(encoder.full).toBe(true);
    expect(() => encoder.add(event(3), 3)).toThrow(/full/);
  });

  it('stay correct over many batches while the bounded dictionary starts afresh', () => {
    const encoder = new EventBatchEncoder({ capacity: 16, dictionaryLimit: 0 });
    const decoder = new EventBatchDecoder();
    const inputs: AccessEvent[] = [];
    const messages: EventBatchMessage[] = [];
    let resets = 0;
    for (let index = 0; index < 2000; index++) {
      const input = event(index, { keyId: `key-${index % 97}`, userAgent: `agent-${index % 13}` });
      inputs.push(input);
      encoder.add(input, index + 1);
      if (encoder.full) {
        const message = encoder.take(0).message;
        if (message.reset) resets++;
        messages.push(message);
      }
    }
    messages.push(encoder.take(0).message);
    const items = decodeAll(decoder, messages) as Array<{ event: AccessEvent; position: number }>;
    expect(resets).toBeGreaterThan(10);
    expect(items.map((item) => item.event)).toEqual(inputs.map(expected));
    expect(items.map((item) => item.position)).toEqual(inputs.map((_, index) => index + 1));
  });
});
