import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { KeywatchError } from '../../errors.js';
import type { TokenRecord, TokenScope } from '../../store/types.js';
import type { TokenVerifier } from './token-verifier.js';

/** Who may call a route: anyone (`public`), or a token holding at least this scope. */
export type RouteAccess = 'public' | TokenScope;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every API route declares its access; a route without it is refused at start-up. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The verified token of the request (null on public routes). */
    principal: TokenRecord | null;
  }
}

const SCOPE_RANK: Record<TokenScope, number> = { read: 1, write: 2, admin: 3 };

/** Whether a token's scopes grant `needed` (admin ⊇ write ⊇ read). */
export function scopesGrant(scopes: readonly TokenScope[], needed: TokenScope): boolean {
  for (const scope of scopes) if ((SCOPE_RANK[scope] ?? 0) >= SCOPE_RANK[needed]) return true;
  return false;
}

// RFC 6750 b64token, bounded: anything else is not a token we could have issued.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*) *$/i;

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 600) return undefined;
  return BEARER.exec(header)?.[1];
}

function unauthorized(reply: FastifyReply, detail: string, challenge: string): KeywatchError {
  reply.header('www-authenticate', challenge);
  return new KeywatchError('KW_ERR_UNAUTHORIZED', detail);
}

/** The onRequest hook that lets a request through only with a token granting `scope`. */
export function requireScope(verifier: TokenVerifier, scope: TokenScope): onRequestHookHandler {
  return async function checkToken(request: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw unauthorized(reply, 'A valid bearer token is required (Authorization: Bearer <token>)', 'Bearer');
    }
    const record = await verifier.verify(token);
    if (record === undefined) {
      throw unauthorized(reply, 'The bearer token is not valid', 'Bearer error="invalid_token"');
    }
    request.principal = record;
    if (!scopesGrant(record.scopes, scope)) {
      reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
      throw new KeywatchError('KW_ERR_FORBIDDEN', `This route needs a token with scope ${scope}`);
    }
  };
}

/**
 * Guards every route registered after this call by its `config.access`: the token check runs as
 * the route's last onRequest hook, after rate limiting and before the body is read. A route that
 * declares no access fails start-up, so nothing is public by accident.
 */
export function installAuth(app: FastifyInstance, options: { verifier: TokenVerifier }): void {
  app.decorateRequest('principal', null);
  const hooks: Record<TokenScope, onRequestHookHandler> = {
    read: requireScope(options.verifier, 'read'),
    write: requireScope(options.verifier, 'write'),
    admin: requireScope(options.verifier, 'admin'),
  };
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined) {
      throw new Error(`Route ${route.method} ${route.url} declares no config.access`);
    }
    if (access === 'public') return;
    const existing = route.onRequest;
    route.onRequest = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      hooks[access],
    ];
  });
}
