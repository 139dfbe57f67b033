import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { KeywatchError } from '../../errors.js';
import type { KeywatchRuntime } from '../../service/types.js';
import { isNdjsonRequest, NDJSON_TYPES } from '../plugins/ndjson.js';
import { AUTHENTICATED_ERRORS, EventsBody, errorResponses, IngestResult } from '../schemas.js';

export interface EventsRouteOptions {
  runtime: KeywatchRuntime;
  /** More events in one request are refused with 413. */
  maxEventsPerRequest: number;
}

/** The events of a request body and, for NDJSON, the 0-based line of each (blank lines are skipped). */
function eventsOf(body: unknown, ndjson: boolean): { events: unknown[]; lines: number[] | undefined } {
  if (!ndjson) return { events: Array.isArray(body) ? body : [body], lines: undefined };
  const events: unknown[] = [];
  const lines: number[] = [];
  const all = body as string[];
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    if (line.trim() === '') continue;
    events.push(line);
    lines.push(index);
  }
  return { events, lines };
}

const MAX_IDEMPOTENCY_KEY = 200;

/**
 * The request's `Idempotency-Key`, scoped to the caller's token, so a client re-sending a batch whose
 * answer it never received gets the stored answer instead of the events being processed twice.
 */
function idempotencyOf(request: FastifyRequest): { idempotencyKey?: string } {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return {};
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY) {
    throw new KeywatchError(
      'KW_ERR_BAD_REQUEST',
      `headers.idempotency-key must be one string of 1 to ${MAX_IDEMPOTENCY_KEY} characters`,
    );
  }
  const scope = request.principal?.name ?? '';
  return { idempotencyKey: createHash('sha256').update(`${scope}\n${header}`).digest('hex') };
}

/** `POST /v1/events`: ingest of access-log events; bad events are rejections, not a failed request. */
export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRouteOptions> = async (app, options) => {
  app.post(
    '/v1/events',
    {
      config: { access: 'write' },
      schema: {
        tags: ['events'],
        summary: 'Ingest access-log events',
        description:
          'A JSON object, a JSON array, or NDJSON (Content-Type: application/x-ndjson). Events are processed ' +
          'and stored before the answer; each invalid event is listed with its position and reason. ' +
          'With an Idempotency-Key header, a retry of a batch already committed gets the same answer and ' +
          'its events are not processed twice.',
        consumes: ['application/json', ...NDJSON_TYPES],
        body: EventsBody,
        response: { 200: IngestResult, ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415) },
      },
    },
    async (request) => {
      const { events, lines } = eventsOf(request.body, isNdjsonRequest(request));
      if (events.length > options.maxEventsPerRequest) {
        throw new KeywatchError(
          'KW_ERR_PAYLOAD_TOO_LARGE',
          `At most ${options.maxEventsPerRequest} events per request; this one has ${events.length}`,
        );
      }
      const result = await options.runtime.ingest(events, idempotencyOf(request));
      if (lines === undefined) return result;
      return {
        accepted: result.accepted,
        rejected: result.rejected.map((rejection) => ({
          ...rejection,
          index: lines[rejection.index] ?? rejection.index,
        })),
      };
    },
  );
};
