import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PolicyInput as Policy } from '../../config/schema.js';
import { createCidrMatcher } from '../../enrich/network.js';
import { KeywatchError } from '../../errors.js';
import type { KeywatchRuntime } from '../../service/types.js';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  KeyListQuery,
  KeyPage,
  KeyParams,
  KeyProfile,
  PolicyInput,
} from '../schemas.js';

/** Whether Intl knows the IANA time zone. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** What the schema cannot say about a policy: a real time zone, CIDR ranges that parse. */
export function checkPolicy(policy: Policy): void {
  if (policy.timezone !== undefined && !isKnownTimeZone(policy.timezone)) {
    throw new KeywatchError('KW_ERR_BAD_REQUEST', 'body.timezone is not a known IANA time zone');
  }
  // Compiling the matcher is the validation: it throws KW_ERR_INVALID_CIDR naming the bad range.
  if (policy.allowCidrs !== undefined) createCidrMatcher(policy.allowCidrs);
}

/** Keys: inventory, profile, policy and revocation. */
export const keyRoutes: FastifyPluginAsyncTypebox<{ runtime: KeywatchRuntime }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/v1/keys',
    {
      config: { access: 'read' },
      schema: {
        tags: ['keys'],
        summary: 'List keys with learning progress, risk and open alerts',
        querystring: KeyListQuery,
        response: { 200: KeyPage, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return runtime.listKeys({ limit: limit ?? 50, ...(cursor !== undefined ? { after: cursor } : {}) });
    },
  );

  app.get(
    '/v1/keys/:keyId',
    {
      config: { access: 'read' },
      schema: {
        tags: ['keys'],
        summary: 'A key: learned profile per detector, clients and policy',
        params: KeyParams,
        response: { 200: KeyProfile, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => {
      const key = await runtime.getKey(request.params.keyId);
      if (key === undefined) throw new KeywatchError('KW_ERR_NOT_FOUND', 'No key with this id has been seen');
      return key;
    },
  );

  app.put(
    '/v1/keys/:keyId/policy',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['keys'],
        summary: "Replace a key's policy (allowlists, time zone, business hours, revoked)",
        params: KeyParams,
        body: PolicyInput,
        response: { 200: PolicyInput, ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415) },
      },
    },
    async (request) => {
      checkPolicy(request.body);
      return runtime.putPolicy(request.params.keyId, request.body);
    },
  );

  app.post(
    '/v1/keys/:keyId/revoke',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key: from then on any use raises a critical revoked-key alert',
        params: KeyParams,
        response: { 200: PolicyInput, ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415) },
      },
    },
    async (request) => runtime.revokeKey(request.params.keyId),
  );
};
