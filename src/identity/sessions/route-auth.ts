/**
 * Authentication for every module's routes: one hook per route plugin reads the route's declared kind
 * (`config.auth`, see `platform/route-auth.ts`) and checks it before the body is even validated, so an
 * unauthenticated caller learns nothing about a route's input.
 *
 * - `admin`: an admin API token as `Authorization: Bearer cst_…` holding the scope the route names
 *   (`config.scope`; an `admin` route that names none fails at start-up), unexpired and unrevoked.
 * - `staff`, `customer`: a session token as `Authorization: Bearer css_…` or the realm's session cookie
 *   (`custos_session` for the console, `custos_portal_session` for the privacy portal), with a completed
 *   second factor; the `-enrolling` kinds accept a password-only session. A token of the other realm is
 *   refused. A cookie-authenticated request that changes state must carry the session's CSRF token in
 *   `X-CSRF-Token`. A staff route also resolves the staff principal (role, site, region as the directory
 *   holds them now).
 *
 * Invariant: a route that declares nothing gets its plugin's default, never `public`; an unknown kind fails
 * the route at start-up, and a request to a route without a kind is refused.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../platform/actor.ts';
import { CustosError } from '../../platform/errors.ts';
import {
  type DefaultRouteAuthKind,
  type RouteAuth,
  type RouteAuthKind,
  routeAuthKinds,
  setPluginDefaultAuth,
} from '../../platform/route-auth.ts';
import type { ApiTokenGrant, ApiTokens } from '../api-tokens/api-tokens.ts';
import type { PrincipalOf } from './principal.ts';
import { sessionCookieName } from './session-cookie.ts';
import type { Realm, Session, Sessions } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session behind the request (session-authenticated routes). */
    session?: Session | null;
    /** Who acts: the session's account, or the admin API token. */
    actor?: Actor | null;
    /** The API token behind an `admin` request: who it acts for and its scopes. */
    apiToken?: ApiTokenGrant | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The OpenAPI security requirement of each kind (schemes declared by `http/server.ts`). */
export const securityOf: Record<RouteAuthKind, Record<string, string[]>[]> = {
  public: [],
  admin: [{ adminToken: [] }],
  staff: [{ staffSession: [] }, { staffCookie: [] }],
  'staff-enrolling': [{ staffSession: [] }, { staffCookie: [] }],
  customer: [{ customerSession: [] }, { customerCookie: [] }],
  'customer-enrolling': [{ customerSession: [] }, { customerCookie: [] }],
};

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
  return match[1];
}

export function createRouteAuth(deps: {
  sessions: Pick<Sessions, 'authenticate' | 'requireSecondFactor' | 'verifyCsrf'>;
  apiTokens: Pick<ApiTokens, 'authenticate'>;
  principalOf: PrincipalOf;
}): RouteAuth {
  const { sessions } = deps;

  async function session(request: FastifyRequest, realm: Realm, secondFactor: boolean): Promise<Session> {
    let token = bearer(request);
    const viaCookie = token === undefined;
    if (viaCookie) {
      const cookies = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies;
      token = cookies?.[sessionCookieName(realm)];
    }
    if (!token) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
    const found = await sessions.authenticate(token, realm);
    if (viaCookie && !SAFE_METHODS.has(request.method)) {
      const csrf = request.headers['x-csrf-token'];
      sessions.verifyCsrf(found, typeof csrf === 'string' ? csrf : undefined);
    }
    if (secondFactor) sessions.requireSecondFactor(found);
    request.session = found;
    request.actor = found.actor;
    return found;
  }

  const checks: Record<RouteAuthKind, (request: FastifyRequest) => Promise<unknown>> = {
    public: async () => undefined,
    admin: async (request) => {
      const token = bearer(request);
      if (!token) {
        throw new CustosError('AUTH_REQUIRED', 'Sign in first: send Authorization: Bearer <token>');
      }
      const scope = request.routeOptions.config.scope;
      if (!scope) throw new CustosError('FORBIDDEN', 'This route names no token scope');
      request.apiToken = await deps.apiTokens.authenticate(token, scope);
      request.actor = request.apiToken.actor;
    },
    staff: async (request) => {
      request.principal = await deps.principalOf(await session(request, 'staff', true));
    },
    'staff-enrolling': (request) => session(request, 'staff', false),
    customer: (request) => session(request, 'customer', true),
    'customer-enrolling': (request) => session(request, 'customer', false),
  };

  return {
    install(app: FastifyInstance, defaultKind: DefaultRouteAuthKind): void {
      setPluginDefaultAuth(app, defaultKind);
      for (const name of ['session', 'actor', 'principal', 'apiToken'] as const) {
        if (!app.hasRequestDecorator(name)) app.decorateRequest(name, null);
      }
      app.addHook('onRoute', (route) => {
        const kind = route.config?.auth ?? defaultKind;
        if (!routeAuthKinds.includes(kind)) throw new Error(`${route.url}: unknown auth kind ${kind}`);
        if (kind === 'admin' && !route.config?.scope)
          throw new Error(`${route.url}: an admin route names no scope`);
        route.config = { ...route.config, auth: kind };
        if (route.schema && route.schema.security === undefined) {
          route.schema = { ...route.schema, security: securityOf[kind] };
        }
      });
      app.addHook('preValidation', async (request) => {
        const kind = request.routeOptions.config.auth;
        if (!kind) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
        await checks[kind](request);
      });
    },
  };
}

/** The session of an authenticated request; a route without a session kind fails here, closed. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.session;
}

/** The API token of an `admin` request; fails closed without one. */
export function apiTokenOf(request: FastifyRequest): ApiTokenGrant {
  if (!request.apiToken) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.apiToken;
}

/** Who acts in an authenticated request (session or admin token); fails closed without one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.actor;
}
