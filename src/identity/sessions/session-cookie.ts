/**
 * How a new session reaches the client: the token in the body for API clients and in an HttpOnly, Secure,
 * SameSite=Strict cookie for browsers, with the CSRF token in the body. Each realm has its own cookie, so a
 * browser signed in to the console and to the privacy portal keeps both and never mixes them.
 */
import { type TObject, Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { IssuedSession, Realm } from './sessions.ts';

const cookieNames: Record<Realm, string> = { staff: 'custos_session', customer: 'custos_portal_session' };

export function sessionCookieName(realm: Realm): string {
  return cookieNames[realm];
}

const sessionAnswer = {
  token: Type.String({ description: "The session token (css_…), also set as the realm's cookie" }),
  csrfToken: Type.String({ description: 'Send it as X-CSRF-Token with a cookie-authenticated change' }),
  secondFactorDone: Type.Boolean({ description: 'False: the session can only complete or enrol a factor' }),
  expiresAt: Type.String({ description: 'ISO 8601' }),
};

/** What `sendSession` answers, for a route's response schema; `extra` names what it adds to it. */
export function sessionAnswerSchema(extra: TObject['properties'] = {}) {
  return Type.Object({ ...sessionAnswer, ...extra }, { additionalProperties: false });
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
