import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/engine/types.js';
import { type Harness, leakEvents, startHarness } from '../../webhooks/harness.js';
import { openStream, type SseConnection, type SseEvent } from '../../webhooks/sse-client.js';
import { bodyOf, errorOf } from '../helper.js';

let harness: Harness | undefined;
const streams: SseConnection[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await harness?.close();
  harness = undefined;
});

async function listening(stream: Partial<Harness['webhooks']['config']['stream']> = {}): Promise<Harness> {
  harness = await startHarness({
    listen: true,
    deliver: false,
    webhooks: { stream: { heartbeatSeconds: 15, retentionHours: 72, pollIntervalMs: 50, ...stream } },
  });
  return harness;
}

async function connect(path = '/v1/stream', headers: Record<string, string> = {}): Promise<SseConnection> {
  const stream = await openStream(`${harness!.baseUrl}${path}`, {
    authorization: `Bearer ${harness!.tokens.read}`,
    ...headers,
  });
  streams.push(stream);
  await stream.waitForComment('connected');
  return stream;
}

async function post(events: object[]): Promise<number> {
  const response = await fetch(`${harness!.baseUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness!.tokens.write}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(200);
  return Date.now();
}

function payloadOf(event: SseEvent): { type: string; timestamp: string; data: Alert } {
  return JSON.parse(event.data) as { type: string; timestamp: string; data: Alert };
}

const opened = (keyId: string) => (event: SseEvent) =>
  event.event === 'alert.opened' && payloadOf(event).data.keyId === keyId;

describe('GET /v1/stream (Server-Sent Events)', () => {
  it('shows a connected client an alert within a second of the event that caused it', async () => {
    await listening();
    const stream = await connect();
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = leakEvents('key-a');
    // Two weeks of history first; then the burst from new addresses that opens the alert.
    await post(events.slice(0, -10));
    expect(await harness!.store.countAlerts()).toBe(0);
    const sent = await post(events.slice(-10));
    const event = await stream.waitFor(opened('key-a'), 1000);
    expect(event.receivedAt - sent).toBeLessThan(1000);
    expect(event.id).toMatch(/^[1-9][0-9]*$/);
    const payload = payloadOf(event);
    expect(payload.type).toBe('alert.opened');
    expect(payload.data).toEqual((await harness!.store.listAlerts({ keyId: 'key-a', limit: 1 })).items[0]);
  });

  it('resumes after Last-Event-ID without losing or repeating an event', async () => {
    await listening();
    const first = await connect();
    await post(leakEvents('key-a'));
    const seen = await first.waitFor(opened('key-a'));
    first.close();

    await post(leakEvents('key-b'));
    await post(leakEvents('key-c'));
    const resumed = await connect('/v1/stream', { 'last-event-id': seen.id! });
    await resumed.waitFor(opened('key-c'));
    await post(leakEvents('key-d'));
    await resumed.waitFor(opened('key-d'));

    const ids = resumed.events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((left, right) => left - right));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id > Number(seen.id))).toBe(true);
    expect(
      resumed.events
        .filter((event) => event.event === 'alert.opened')
        .map((event) => payloadOf(event).data.keyId),
    ).toEqual(['key-b', 'key-c', 'key-d']);
    // Every logged event after the resume point was replayed.
    const logged = await harness!.store.webhooks.listAlertEvents({ after: Number(seen.id), limit: 100 });
    expect(ids).toEqual(logged.map((event) => event.seq));
  });

  it('takes the resume point from ?lastEventId when the client cannot send headers', async () => {
    await listening();
    await post(leakEvents('key-a'));
    const stream = await connect('/v1/stream?lastEventId=0');
    await stream.waitFor(opened('key-a'));
  });

  it('sends only what the filters ask for', async () => {
    await listening();
    const stream = await connect('/v1/stream?keyId=key-b&type=alert.opened&severity=low');
    await post(leakEvents('key-a'));
    await post(leakEvents('key-b'));
    await stream.waitFor(opened('key-b'));
    expect(
      stream.events.every(
        (event) => event.event === 'alert.opened' && payloadOf(event).data.keyId === 'key-b',
      ),
    ).toBe(true);
  });

  it('streams a resolution made by a person (stored without an engine commit)', async () => {
    await listening();
    const stream = await connect('/v1/stream?type=alert.resolved');
    await post(leakEvents('key-a'));
    const [alert] = (await harness!.store.listAlerts({ limit: 1 })).items;
    const response = await fetch(`${harness!.baseUrl}/v1/alerts/${alert!.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${harness!.tokens.write}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'resolved' }),
    });
    expect(response.status).toBe(200);
    const event = await stream.waitFor((candidate) => candidate.event === 'alert.resolved', 2000);
    expect(payloadOf(event).data).toMatchObject({ id: alert!.id, status: 'resolved' });
  });

  it('sends heartbeats as comment lines', async () => {
    await listening({ heartbeatSeconds: 1 });
    const stream = await connect();
    await stream.waitForComment('heartbeat', 2500);
  });

  it('ends open streams when the server closes', async () => {
    await listening();
    const stream = await connect();
    const closing = harness!.app.close();
    await stream.ended;
    await closing;
  });

  it('needs a token with scope read', async () => {
    await listening();
    const response = await fetch(`${harness!.baseUrl}/v1/stream`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(401);
  });
});

describe('GET /v1/stream (JSON pages, without Accept: text/event-stream)', () => {
  it('pages through the alert events after lastEventId, oldest first', async () => {
    harness = await startHarness({ deliver: false });
    await harness.runtime.ingest([...leakEvents('key-a'), ...leakEvents('key-b')]);
    const page = bodyOf<{ items: Array<{ id: string; type: string; data: Alert }>; lastEventId: string }>(
      await harness.as('read', { method: 'GET', url: '/v1/stream?type=alert.opened&limit=1' }),
    );
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.data.keyId).toBe('key-a');
    const next = bodyOf<{ items: Array<{ id: string; data: Alert }>; lastEventId: string }>(
      await harness.as('read', {
        method: 'GET',
        url: '/v1/stream?type=alert.opened',
        headers: { 'last-event-id': page.lastEventId },
      }),
    );
    expect(next.items.map((item) => item.data.keyId)).toEqual(['key-b']);
    expect(Number(next.lastEventId)).toBeGreaterThan(Number(page.lastEventId));
  });

  it('refuses a Last-Event-ID that is not an id of this stream', async () => {
    harness = await startHarness({ deliver: false });
    const response = await harness.as('read', {
      method: 'GET',
      url: '/v1/stream',
      headers: { 'last-event-id': 'abc' },
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
  });
});
