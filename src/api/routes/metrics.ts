import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { KeywatchMetrics } from '../../metrics.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas.js';

/** Prometheus exposition of the process's metrics; needs scope read like the rest of the API. */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: KeywatchMetrics }> = async (
  app,
  { metrics },
) => {
  app.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: {
          200: Type.String({ description: 'Prometheus text exposition format.' }),
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
};
