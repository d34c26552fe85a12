/**
 * Session authentication for HTTP: a staff or customer session token as `Authorization: Bearer css_…`
 * (API clients) or the realm's session cookie (`custos_session` for the console, `custos_portal_session` for
 * the privacy portal: HttpOnly, Secure, SameSite=Strict). A token of the other realm is refused. A
 * cookie-authenticated request that changes state must also carry the session's CSRF token in
 * `X-CSRF-Token`. By default a completed second factor is required; enrolment and second-factor routes ask
 * for less, explicitly.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Realm, Session, Sessions } from './sessions.ts';
import { CustosError } from '../../platform/errors.ts';
import { sessionCookieName } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requireSession(
  sessions: Pick<Sessions, 'authenticate' | 'requireSecondFactor' | 'verifyCsrf'>,
  options: { realm: Realm; secondFactor?: boolean },
) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
      sessionCookieName(options.realm)
    ];
    let token: string | undefined;
    let viaCookie = false;
    if (header) {
      const match = /^Bearer (\S+)$/.exec(header);
      if (!match) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      token = match[1];
    } else if (cookie) {
      token = cookie;
      viaCookie = true;
    }
    if (!token) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
    const session = await sessions.authenticate(token, options.realm);
    if (viaCookie && !SAFE_METHODS.has(request.method)) {
      const csrf = request.headers['x-csrf-token'];
      sessions.verifyCsrf(session, typeof csrf === 'string' ? csrf : undefined);
    }
    if (options.secondFactor !== false) sessions.requireSecondFactor(session);
    request.session = session;
    request.actor = session.actor;
  };
}

/** The session of an authenticated request; a route without the hook fails here, closed. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.session;
}
