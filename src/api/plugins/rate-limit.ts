import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywatchError } from '../../errors.js';
import { bearerToken } from './auth.js';
import type { TokenVerifier } from './token-verifier.js';

export interface RateLimitSettings {
  /** Requests per client per window. */
  max: number;
  timeWindowMs: number;
}

/**
 * The client a request counts against: its token once the token has been verified (so many callers
 * behind one gateway address keep their own budgets), else its address (so guessing tokens does not
 * buy fresh budgets).
 */
export function rateLimitKey(request: FastifyRequest, verifier: TokenVerifier): string {
  const token = bearerToken(request.headers.authorization);
  const record = token === undefined ? undefined : verifier.recentlyVerified(token);
  return record ? `token:${record.id}` : `ip:${request.ip}`;
}

/**
 * Registers @fastify/rate-limit for every route registered afterwards (a route opts out with
 * `config.rateLimit: false`). Exceeding the budget answers 429 KW_ERR_RATE_LIMITED with Retry-After.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: { settings: RateLimitSettings; verifier: TokenVerifier },
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: options.settings.max,
    timeWindow: options.settings.timeWindowMs,
    keyGenerator: (request) => rateLimitKey(request, options.verifier),
    errorResponseBuilder: (_request, context) =>
      new KeywatchError('KW_ERR_RATE_LIMITED', `Too many requests: retry in ${context.after}`),
  });
}
