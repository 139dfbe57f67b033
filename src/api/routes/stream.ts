import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Severity } from '../../engine/types.js';
import { KeywatchError } from '../../errors.js';
import type { KeywatchRuntime } from '../../service/types.js';
import type { AlertEventRecord, AlertEventType } from '../../store/types.js';
import { type AlertFilter, compileAlertFilter } from '../../webhooks/alert-filter.js';
import { StreamPage, StreamQuery } from '../../webhooks/api-schemas.js';
import { ALERT_EVENT_TYPES } from '../../webhooks/config.js';
import type { WebhookService } from '../../webhooks/service.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas.js';

export interface StreamRouteOptions {
  runtime: KeywatchRuntime;
  webhooks: WebhookService;
}

/** Open streams per process; more are refused with 503 so a client loop cannot exhaust memory. */
const MAX_STREAMS = 1000;
/** Unsent bytes a slow client may hold before it is cut off (it resumes with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const REPLAY_PAGE = 500;
const EVENT_ID = /^(0|[1-9][0-9]{0,15})$/;

interface StreamFilters {
  severity?: Severity;
  detector?: string | string[];
  keyId?: string | string[];
  orgId?: string | string[];
  type?: AlertEventType | AlertEventType[];
}

function listOf<T>(value: T | T[] | undefined): T[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function filterOf(query: StreamFilters): AlertFilter {
  const detectors = listOf(query.detector);
  const keyIds = listOf(query.keyId);
  const orgIds = listOf(query.orgId);
  return compileAlertFilter(
    {
      ...(query.severity !== undefined ? { minSeverity: query.severity } : {}),
      ...(detectors !== undefined ? { detectors } : {}),
      ...(keyIds !== undefined ? { keyIds } : {}),
      ...(orgIds !== undefined ? { orgIds } : {}),
    },
    listOf(query.type) ?? ALERT_EVENT_TYPES,
  );
}

/** The event id to resume after: the Last-Event-ID header wins over the lastEventId parameter. */
function resumeAfter(
  header: string | string[] | undefined,
  parameter: string | undefined,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : (header ?? parameter);
  if (value === undefined || value === '') return undefined;
  if (!EVENT_ID.test(value)) {
    throw new KeywatchError('KW_ERR_BAD_REQUEST', 'headers.last-event-id must be an event id of this stream');
  }
  return Number(value);
}

function envelope(event: AlertEventRecord): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt, data: event.alert });
}

/**
 * `GET /v1/stream`: alert events (alert.opened, alert.updated, alert.resolved) as Server-Sent Events,
 * with the webhook filters, an id per event, heartbeats, and resumption after `Last-Event-ID` from the
 * stored change log. Without `Accept: text/event-stream` it answers one JSON page of the log instead
 * (for polling clients and scripts).
 */
export const streamRoutes: FastifyPluginAsyncTypebox<StreamRouteOptions> = async (
  app,
  { runtime, webhooks },
) => {
  const { feed } = webhooks;
  const store = webhooks.store;
  const heartbeatMs = webhooks.config.stream.heartbeatSeconds * 1000;
  const open = new Set<ServerResponse>();
  // A local commit is streamed at once; others (other instances, people) within the feed's poll.
  const detach = runtime.onAlertChange(() => feed.wake());
  app.addHook('preClose', async () => {
    for (const response of open) response.end();
  });
  app.addHook('onClose', async () => detach());

  app.get(
    '/v1/stream',
    {
      config: { access: 'read' },
      schema: {
        tags: ['stream'],
        summary: 'Live alert events (Server-Sent Events), resumable with Last-Event-ID',
        description:
          'With Accept: text/event-stream, a stream of events `id: <n>`, `event: <type>`, `data: {"type","timestamp",' +
          '"data":<alert>}` and a comment line as heartbeat; reconnecting with Last-Event-ID (or ?lastEventId=) ' +
          'replays what was missed. Otherwise one JSON page of events after lastEventId (from the oldest kept).',
        querystring: StreamQuery,
        headers: Type.Object({
          'last-event-id': Type.Optional(Type.String({ description: 'Resume after this event id.' })),
        }),
        response: { 200: StreamPage, ...errorResponses(...AUTHENTICATED_ERRORS, 503) },
      },
    },
    async (request, reply) => {
      const filter = filterOf(request.query);
      const after = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        const events = await store.listAlertEvents({ after: after ?? 0, limit: request.query.limit ?? 100 });
        return {
          items: events
            .filter((event) => filter.matches(event.type, event.alert))
            .map((event) => ({
              id: String(event.seq),
              type: event.type,
              timestamp: event.createdAt,
              data: event.alert,
            })),
          lastEventId: String(events[events.length - 1]?.seq ?? after ?? 0),
        };
      }
      if (open.size >= MAX_STREAMS) throw new KeywatchError('KW_ERR_UNAVAILABLE', 'Too many open streams');

      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // The API's idle timeout must not cut a quiet stream; heartbeats keep proxies from doing so.
      request.raw.socket.setTimeout(0);
      request.raw.socket.setNoDelay(true);
      response.write('retry: 2000\n: connected\n\n');
      open.add(response);

      let lastSeq = after ?? -1;
      let live = false;
      const waiting: AlertEventRecord[] = [];
      const send = (event: AlertEventRecord) => {
        if (event.seq <= lastSeq || response.writableEnded || response.destroyed) return;
        lastSeq = event.seq;
        if (!filter.matches(event.type, event.alert)) return;
        response.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${envelope(event)}\n\n`);
        if (response.writableLength > MAX_BUFFERED_BYTES) response.end();
      };
      let unsubscribe: (() => void) | undefined;
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), heartbeatMs);
      const cleanUp = () => {
        clearInterval(heartbeat);
        unsubscribe?.();
        unsubscribe = undefined;
        open.delete(response);
      };
      response.on('close', cleanUp);
      try {
        unsubscribe = await feed.subscribe((event) => {
          if (live) send(event);
          else waiting.push(event);
        });
        // The client may have gone while the feed started.
        if (response.destroyed) {
          cleanUp();
          return;
        }
        // Subscribed first, then read to the end of the log: every event is in one or the other.
        if (after === undefined) {
          lastSeq = await store.latestAlertEventSeq();
        } else {
          for (;;) {
            const events = await store.listAlertEvents({ after: lastSeq, limit: REPLAY_PAGE });
            for (const event of events) send(event);
            if (events.length < REPLAY_PAGE || response.writableEnded || response.destroyed) break;
          }
        }
        for (const event of waiting) send(event);
        waiting.length = 0;
        live = true;
      } catch (error) {
        request.log.error({ err: error }, 'replaying alert events failed');
        response.end();
      }
    },
  );
};
