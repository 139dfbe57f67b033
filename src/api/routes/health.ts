import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KeywatchError } from '../../errors.js';
import type { KeywatchRuntime } from '../../service/types.js';
import { errorResponses, HealthStatus } from '../schemas.js';

/**
 * Liveness and readiness probes: public, and exempt from rate limiting, because a probe that is
 * refused makes an orchestrator restart a healthy process.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<{ runtime: KeywatchRuntime }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: 200 while the process runs',
        response: { 200: HealthStatus },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 once state is restored and the store answers, else 503',
        response: { 200: HealthStatus, ...errorResponses(503) },
      },
    },
    async (request) => {
      let ready = false;
      try {
        ready = await runtime.ready();
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
      }
      if (!ready) throw new KeywatchError('KW_ERR_UNAVAILABLE', 'The service is not ready');
      return { status: 'ready' };
    },
  );
};
