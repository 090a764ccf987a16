/**
 * Bearer-token authentication and scopes. Every route declares a scope in its config: `public`
 * (the console's files, the OpenAPI document), `read` (GET routes) or `admin` (everything that
 * changes state, and tokens); a route without one is refused when the app is built.
 *
 * The token is looked up first (an onRequest hook), the per-token rate limit runs next (keyed by
 * the token's id, or by address for a request without a valid token, so guessing is limited
 * too), and only then is a missing, unknown or under-scoped token refused (preParsing): before
 * the body is read or validated.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { C2Api, TokenView } from '../api.ts';
import { E4ErrorCode, e4Error, isE4Error, type E4Error } from '../../errors.ts';

export type RouteScope = 'public' | 'read' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** The token the request authenticated with; null on public routes. */
    principal: TokenView | null;
    /** Why the request's token was refused, raised after the rate limit has counted it. */
    authFailure: E4Error | null;
  }
}

/** The secret of an `Authorization: Bearer <secret>` header, or null. */
export function bearerSecret(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([\x21-\x7e]{1,512}) *$/i.exec(header);
  return match === null ? null : match[1];
}

function scopeOf(request: FastifyRequest): RouteScope | undefined {
  return request.is404 ? undefined : request.routeOptions.config.scope;
}

/** The key the rate limit counts a request under. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.principal !== null ? 'token:' + request.principal.id : 'address:' + request.ip;
}

export function registerAuth(app: FastifyInstance, service: C2Api): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);

  app.addHook('onRoute', (route) => {
    const scope = (route.config as { scope?: RouteScope } | undefined)?.scope;
    if (scope !== 'public' && scope !== 'read' && scope !== 'admin') throw new Error('the route ' + route.method + ' ' + route.url + ' declares no scope');
  });

  app.addHook('onRequest', async (request) => {
    const scope = scopeOf(request);
    if (scope === undefined || scope === 'public') return;
    const secret = bearerSecret(request.headers.authorization);
    if (secret === null) {
      request.authFailure = e4Error(E4ErrorCode.Unauthorized, 'this route needs a bearer token (Authorization: Bearer <token>)');
      return;
    }
    try {
      request.principal = await service.authenticate(secret);
    } catch (e) {
      if (!isE4Error(e, E4ErrorCode.Unauthorized)) throw e;
      request.authFailure = e;
    }
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.authFailure !== null) throw request.authFailure;
    if (scopeOf(request) === 'admin' && request.principal?.scope !== 'admin') {
      throw e4Error(E4ErrorCode.Forbidden, 'this route needs an admin token; this one has the ' + request.principal?.scope + ' scope');
    }
    return payload;
  });
}
