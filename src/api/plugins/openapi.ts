import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** Where the OpenAPI document and the browsable page are served (both public). */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * Adds to each operation what its `config.access` means: the bearer requirement and, in the
 * description, the scope needed, so the document says what the auth hook enforces.
 */
function describeAccess({
  schema,
  url,
  route,
}: {
  schema: FastifySchema;
  url: string;
  route: { config?: unknown };
}) {
  const access = (route.config as { access?: string } | undefined)?.access;
  if (schema === undefined || access === undefined) return { schema, url };
  const open = access === 'public';
  const description = (schema as { description?: string }).description;
  const scopeNote = open
    ? 'No token needed.'
    : `Needs a bearer token with scope \`${access}\` (admin ⊇ write ⊇ read).`;
  return {
    schema: {
      ...schema,
      security: open ? [] : [{ bearerAuth: [] }],
      description: description ? `${description}\n\n${scopeNote}` : scopeNote,
    },
    url,
  };
}

/**
 * Registers @fastify/swagger (it collects every route registered afterwards), the browsable page at
 * `/docs` and the document at `/openapi.json`. Register before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Keywatch API',
        version: '1.0.0',
        description: 'Alerts on API-key abuse, key profiles and policies, event ingest, health and metrics.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'alerts', description: 'Alert episodes: list, inspect, triage.' },
        { name: 'keys', description: 'Key profiles, clients, policies and revocation.' },
        { name: 'events', description: 'Access-log ingest.' },
        { name: 'operations', description: 'Health, readiness and Prometheus metrics.' },
        { name: 'webhooks', description: 'Webhook subscriptions, delivery attempts, tests and redelivery.' },
        { name: 'tokens', description: 'API tokens: list, create, revoke (scope admin).' },
      ],
    },
    transform: describeAccess,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PATH });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
}
