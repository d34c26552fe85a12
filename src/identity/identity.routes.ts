/**
 * HTTP routes of identity: staff invitations and suspension (admin API token), sign-in in two steps,
 * second-factor enrolment, step-up and sign-out. Session tokens come back in the body for API clients and
 * as an HttpOnly, Secure, SameSite=Strict cookie for the console, with the CSRF token in the body.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, preValidationHookHandler } from 'fastify';
import { actorOf } from '../http/auth.ts';
import { requireSession, SESSION_COOKIE, sessionOf } from '../http/session-auth.ts';
import type { Accounts } from './accounts.service.ts';
import type { IssuedSession, Sessions } from './sessions.ts';

const tags = ['identity'];
const Invite = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.String({ maxLength: 32 }),
    region: Type.String({ minLength: 1, maxLength: 64 }),
    site: Type.String({ minLength: 1, maxLength: 64 }),
    shift: Type.String({ minLength: 1, maxLength: 32 }),
    managerId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const Accept = Type.Object(
  { token: Type.String({ maxLength: 128 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
const SignIn = Type.Object(
  { login: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
const Proof = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 16 })),
    recoveryCode: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
const Code = Type.Object({ code: Type.String({ maxLength: 16 }) }, { additionalProperties: false });

function sendSession(reply: FastifyReply, issued: IssuedSession, extra: Record<string, unknown> = {}) {
  reply.setCookie(SESSION_COOKIE, issued.token, {
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

export function identityRoutes(
  app: FastifyInstance,
  deps: { accounts: Accounts; sessions: Sessions; adminToken: preValidationHookHandler },
) {
  const { accounts, sessions } = deps;
  const passwordOnly = requireSession(sessions, { realm: 'staff', secondFactor: false });
  const full = requireSession(sessions, { realm: 'staff' });

  app.post<{ Body: Static<typeof Invite> }>(
    '/v1/staff/invitations',
    {
      preValidation: deps.adminToken,
      schema: { tags, security: [{ bearer: [] }], summary: 'Invite a staff member', body: Invite },
    },
    async (request, reply) => {
      const invited = await accounts.inviteStaff(actorOf(request), request.body);
      return reply.status(201).send(invited);
    },
  );

  app.post<{ Params: { accountId: string } }>(
    '/v1/staff/accounts/:accountId/suspend',
    {
      preValidation: deps.adminToken,
      schema: {
        tags,
        security: [{ bearer: [] }],
        summary: 'Suspend a staff account: every session ends now',
      },
    },
    async (request, reply) => {
      await accounts.suspend(actorOf(request), request.params.accountId);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: Static<typeof Accept> }>(
    '/v1/auth/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Choose a password; the session can only enrol a second factor',
        body: Accept,
      },
    },
    async (request, reply) =>
      sendSession(reply, await accounts.acceptInvitation(request.body.token, request.body.password)),
  );

  app.post(
    '/v1/auth/totp/enrol',
    {
      preValidation: passwordOnly,
      schema: { tags, summary: 'Start TOTP enrolment: otpauth URI and QR code, shown once' },
    },
    async (request) => accounts.beginTotpEnrolment(sessionOf(request)),
  );

  app.post<{ Body: Static<typeof Code> }>(
    '/v1/auth/totp/confirm',
    {
      preValidation: passwordOnly,
      schema: { tags, summary: 'Confirm TOTP with a first code: recovery codes, shown once', body: Code },
    },
    async (request, reply) => {
      const done = await accounts.confirmTotpEnrolment(sessionOf(request), request.body.code);
      return sendSession(reply, done.session, { recoveryCodes: done.recoveryCodes });
    },
  );

  app.post<{ Body: Static<typeof SignIn> }>(
    '/v1/auth/sign-in',
    { schema: { tags, summary: 'Password step of staff sign-in', body: SignIn } },
    async (request, reply) =>
      sendSession(reply, await accounts.signIn({ realm: 'staff', ...request.body, address: request.ip })),
  );

  app.post<{ Body: Static<typeof Proof> }>(
    '/v1/auth/second-factor',
    {
      preValidation: passwordOnly,
      schema: { tags, summary: 'Second step: a TOTP code or a recovery code', body: Proof },
    },
    async (request, reply) =>
      sendSession(reply, await accounts.completeSignIn(sessionOf(request), request.body)),
  );

  app.post<{ Body: Static<typeof Proof> }>(
    '/v1/auth/step-up',
    {
      preValidation: full,
      schema: { tags, summary: 'A fresh second factor for sensitive acts (valid 5 minutes)', body: Proof },
    },
    async (request, reply) => {
      await accounts.stepUp(sessionOf(request), request.body);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/auth/sign-out',
    { preValidation: passwordOnly, schema: { tags, summary: 'End this session' } },
    async (request, reply) => {
      await sessions.signOut(sessionOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/auth/session',
    { preValidation: full, schema: { tags, summary: 'Who this session is' } },
    async (request) => {
      const session = sessionOf(request);
      return { accountId: session.accountId, actor: session.actor, realm: session.realm };
    },
  );
}
