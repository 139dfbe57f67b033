import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KeywatchError } from '../../errors.js';
import type { KeywatchRuntime } from '../../service/types.js';
import type { AlertQuery as StoreAlertQuery } from '../../store/types.js';
import {
  Alert,
  AlertDetail,
  AlertPage,
  AlertParams,
  AlertQuery,
  AlertUpdate,
  AUTHENTICATED_ERRORS,
  errorResponses,
} from '../schemas.js';

/**
 * An ISO time as the store compares it (UTC, `Z`): `since=2026-01-01T10:00:00+02:00` must bound
 * alerts stored as `…T08:00:00.000Z`.
 */
export function toUtcIso(value: string, field: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new KeywatchError('KW_ERR_BAD_REQUEST', `querystring.${field} is not a valid date-time`);
  return new Date(time).toISOString();
}

function alertNotFound(): KeywatchError {
  return new KeywatchError('KW_ERR_NOT_FOUND', 'No alert with this id');
}

/** Alerts: list with filters and cursor pages, one alert with its timeline, human triage. */
export const alertRoutes: FastifyPluginAsyncTypebox<{ runtime: KeywatchRuntime }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/v1/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'List alerts, newest first',
        querystring: AlertQuery,
        response: { 200: AlertPage, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const query = request.query;
      const filter: StoreAlertQuery = { limit: query.limit ?? 50 };
      if (query.keyId !== undefined) filter.keyId = query.keyId;
      if (query.severity !== undefined) filter.severity = query.severity;
      if (query.detector !== undefined) filter.detector = query.detector;
      if (query.status !== undefined) filter.status = query.status;
      if (query.since !== undefined) filter.since = toUtcIso(query.since, 'since');
      if (query.until !== undefined) filter.until = toUtcIso(query.until, 'until');
      if (query.cursor !== undefined) filter.cursor = query.cursor;
      return runtime.store.listAlerts(filter);
    },
  );

  app.get(
    '/v1/alerts/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its evidence, timeline and status history',
        params: AlertParams,
        response: { 200: AlertDetail, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => {
      const found = await runtime.store.getAlert(request.params.id);
      if (found === undefined) throw alertNotFound();
      return found;
    },
  );

  app.patch(
    '/v1/alerts/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge, resolve, reopen or mark an alert a false positive',
        description:
          'A false positive teaches the key profile: the alert networks become familiar for that key.',
        params: AlertParams,
        body: AlertUpdate,
        response: { 200: Alert, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 413, 415) },
      },
    },
    async (request) => {
      const { status, note } = request.body;
      const actor = request.principal?.name ?? 'unknown';
      const alert = await runtime.updateAlert(request.params.id, {
        status,
        ...(note !== undefined ? { note } : {}),
        actor,
      });
      if (alert === undefined) throw alertNotFound();
      return alert;
    },
  );
};
