import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { KeywatchError } from '../../errors.js';
import type { Store, TokenRecord } from '../../store/types.js';
import type { ConfiguredToken } from '../plugins/token-verifier.js';
import { AUTHENTICATED_ERRORS, errorResponse, errorResponses } from '../schemas.js';

const TokenScopeSchema = Type.Enum(['read', 'write', 'admin'], {
  description: 'read ⊂ write ⊂ admin: read lists and streams, write also ingests and triages, admin manages.',
});

const ApiToken = Type.Object(
  {
    id: Type.String({ description: 'Public id (safe to log and share); never the token.' }),
    name: Type.String(),
    scopes: Type.Array(TokenScopeSchema),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Last request made with it, to within a minute (null: never used).',
    }),
    source: Type.Enum(['api', 'config'], {
      description: 'api: created here or at start-up, revocable here; config: server.tokens, by hash.',
    }),
  },
  { additionalProperties: false },
);

const ApiTokenList = Type.Object({ items: Type.Array(ApiToken) }, { additionalProperties: false });

const ApiTokenCreated = Type.Object(
  {
    ...ApiToken.properties,
    token: Type.String({ description: 'The bearer token, answered this once: only its hash is stored.' }),
  },
  { additionalProperties: false },
);

const TokenCreate = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      // No control characters: the name ends up in logs and in alerts' status history (the actor).
      pattern: '^[^\\u0000-\\u001f\\u007f]+$',
      description: 'Who or what holds the token, e.g. "grafana" or "log-shipper eu-1".',
    }),
    scopes: Type.Array(TokenScopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const TokenParams = Type.Object(
  {
    tokenId: Type.String({
      maxLength: 200,
      pattern: '^(tok_[A-Za-z0-9_-]{1,64}|config:[^\\u0000-\\u001f\\u007f]{1,192})$',
      description: 'A token id: tok_… (created here) or config:<name> (server.tokens).',
    }),
  },
  { additionalProperties: false },
);

function tokenView(record: TokenRecord, source: 'api' | 'config') {
  return {
    id: record.id,
    name: record.name,
    scopes: record.scopes,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt ?? null,
    source,
  };
}

/**
 * API tokens (scope admin): list, create (the token is answered once; only its hash is stored),
 * revoke (every instance refuses it from its next request on). Tokens configured by hash in
 * `server.tokens` are listed but are revoked by removing them from the configuration.
 */
export const tokenRoutes: FastifyPluginAsyncTypebox<{
  store: Pick<Store, 'createToken' | 'listTokens' | 'revokeToken'>;
  configuredTokens: readonly ConfiguredToken[];
}> = async (app, { store, configuredTokens }) => {
  const tags = ['tokens'];
  const configured = configuredTokens.map((token) =>
    tokenView(
      {
        id: `config:${token.name}`,
        name: token.name,
        scopes: [...token.scopes],
        createdAt: new Date(0).toISOString(),
      },
      'config',
    ),
  );

  app.get(
    '/v1/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'List the API tokens that work (never the tokens themselves)',
        response: { 200: ApiTokenList, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async () => ({
      items: [...configured, ...(await store.listTokens()).map((record) => tokenView(record, 'api'))],
    }),
  );

  app.post(
    '/v1/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Create an API token',
        description: 'The token is in this answer only: store it in a secret manager. Only its hash is kept.',
        body: TokenCreate,
        response: { 201: ApiTokenCreated, ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415) },
      },
    },
    async (request, reply) => {
      const { record, token } = await store.createToken({
        name: request.body.name,
        scopes: [...request.body.scopes],
      });
      request.log.info(
        { tokenId: record.id, tokenName: record.name, scopes: record.scopes, by: request.principal?.id },
        'API token created',
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...tokenView(record, 'api'), token });
    },
  );

  app.delete(
    '/v1/tokens/:tokenId',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Revoke an API token',
        description:
          'Every instance refuses the token from its next request on (PostgreSQL: once the revocation notice ' +
          'has arrived, within milliseconds). A token may revoke itself.',
        params: TokenParams,
        response: {
          204: { type: 'null', description: 'Revoked.' },
          ...errorResponses(...AUTHENTICATED_ERRORS, 404),
          409: errorResponse('The token is configured in server.tokens: remove it there (KW_ERR_CONFLICT).'),
        },
      },
    },
    async (request, reply) => {
      const { tokenId } = request.params;
      if (configured.some((token) => token.id === tokenId)) {
        throw new KeywatchError(
          'KW_ERR_CONFLICT',
          'This token is configured by hash in server.tokens: remove it from the configuration to revoke it',
        );
      }
      if (!(await store.revokeToken(tokenId)))
        throw new KeywatchError('KW_ERR_NOT_FOUND', 'No such token (or it was already revoked)');
      request.log.warn({ tokenId, by: request.principal?.id }, 'API token revoked');
      return reply.code(204).send(null);
    },
  );
};
