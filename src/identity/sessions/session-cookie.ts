/**
 * How a new session reaches the client: the token in the body for API clients and in an HttpOnly, Secure,
 * SameSite=Strict cookie for browsers, with the CSRF token in the body. Each realm has its own cookie, so a
 * browser signed in to the console and to the privacy portal keeps both and never mixes them.
 */
import type { FastifyReply } from 'fastify';
import type { IssuedSession, Realm } from './sessions.ts';

const cookieNames: Record<Realm, string> = { staff: 'custos_session', customer: 'custos_portal_session' };

export function sessionCookieName(realm: Realm): string {
  return cookieNames[realm];
}

export function sendSession(reply: FastifyReply, issued: IssuedSession, extra: Record<string, unknown> = {}) {
  reply.setCookie(sessionCookieName(issued.session.realm), issued.token, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    expires: new Date(issued.expiresAt),
  });
  return reply.send({
    token: issued.token,
    csrfToken: issued.csrfToken,
    secondFactorDone: issued.session.secondFactorAt !== null,
    expiresAt: new Date(issued.expiresAt).toISOString(),
    ...extra,
  });
}

export function clearSessionCookie(reply: FastifyReply, realm: Realm): void {
  reply.clearCookie(sessionCookieName(realm), { path: '/' });
}
