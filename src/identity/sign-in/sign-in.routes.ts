/**
 * Sign-in routes of one realm, the same shape for staff (`/v1/auth/…`) and customers (`/v1/portal/…`):
 * accept an invitation with a password, enrol TOTP, sign in with password then second factor, step up, sign
 * out, read the session. Sessions are issued in the route's realm only and checked against it, so a token of
 * one realm is refused by every route of the other.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../sessions/route-auth.ts';
import { clearSessionCookie, sendSession, sessionAnswerSchema } from '../sessions/session-cookie.ts';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { Invitations } from '../accounts/invitations.service.ts';
import type { Realm } from '../sessions/sessions.ts';

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
const TotpEnrolment = Type.Object(
  {
    otpauthUri: Type.String({ description: 'otpauth://totp/… for an authenticator app; shown once' }),
    qrSvg: Type.String({ description: 'The same URI as a QR code (SVG)' }),
  },
  { additionalProperties: false },
);
const SessionView = Type.Object(
  {
    accountId: Type.String(),
    actor: Type.Object(
      { type: Type.String(), id: Type.String() },
      {
        additionalProperties: false,
        description: 'Who acts in the ledger: `staff` or `customer`, and its id',
      },
    ),
    realm: Type.Union([Type.Literal('staff'), Type.Literal('customer')]),
  },
  { additionalProperties: false },
);

export function signInRoutes(
  app: FastifyInstance,
  deps: {
    realm: Realm;
    /** `/v1/auth` or `/v1/portal`. */
    prefix: string;
    /** Where an invitation is accepted. */
    acceptPath: string;
    accounts: Accounts;
    invitations: Pick<Invitations, 'acceptInvitation'>;
  },
) {
  const { realm, prefix, accounts } = deps;
  const tags = [realm === 'staff' ? 'identity' : 'portal'];
  // Which session each route takes: enrolment and the second step accept a password-only one.
  const enrolling = { auth: realm === 'staff' ? 'staff-enrolling' : 'customer-enrolling' } as const;
  const full = { auth: realm === 'staff' ? 'staff' : 'customer' } as const;
  const open = { auth: 'public' } as const;
  /** Each realm's operations are named apart: `signInStaff`, `signInCustomer`, … */
  const R = realm === 'staff' ? 'Staff' : 'Customer';

  app.post<{ Body: Static<typeof Accept> }>(
    deps.acceptPath,
    {
      config: { ...open, errors: ['INVITATION_INVALID'] },
      schema: {
        operationId: `acceptInvitation${R}`,
        response: { 200: sessionAnswerSchema() },
        tags,
        summary: 'Accept an invitation with a password; the session can only enrol a second factor',
        body: Accept,
      },
    },
    async (request, reply) =>
      sendSession(
        reply,
        await deps.invitations.acceptInvitation(request.body.token, request.body.password, realm),
      ),
  );

  app.post(
    `${prefix}/totp/enrol`,
    {
      config: { ...enrolling, errors: ['STEP_UP_REQUIRED'] },
      schema: {
        operationId: `beginTotpEnrolment${R}`,
        response: { 200: TotpEnrolment },
        tags,
        summary: 'Start TOTP enrolment: otpauth URI and QR code, shown once',
      },
    },
    async (request) => accounts.beginTotpEnrolment(sessionOf(request)),
  );

  app.post<{ Body: Static<typeof Code> }>(
    `${prefix}/totp/confirm`,
    {
      config: { ...enrolling, errors: ['ENROLMENT_REQUIRED', 'RATE_LIMITED'] },
      schema: {
        operationId: `confirmTotpEnrolment${R}`,
        response: { 200: sessionAnswerSchema({ recoveryCodes: Type.Array(Type.String()) }) },
        tags,
        summary: 'Confirm TOTP with a first code: recovery codes, shown once',
        body: Code,
      },
    },
    async (request, reply) => {
      const done = await accounts.confirmTotpEnrolment(sessionOf(request), request.body.code);
      return sendSession(reply, done.session, { recoveryCodes: done.recoveryCodes });
    },
  );

  app.post<{ Body: Static<typeof SignIn> }>(
    `${prefix}/sign-in`,
    {
      config: { ...open, errors: ['AUTH_INVALID', 'RATE_LIMITED', 'STAFF_ON_LEAVE'] },
      schema: {
        operationId: `signIn${R}`,
        response: { 200: sessionAnswerSchema() },
        tags,
        summary: 'Password step of sign-in',
        body: SignIn,
      },
    },
    async (request, reply) =>
      sendSession(reply, await accounts.signIn({ realm, ...request.body, address: request.ip })),
  );

  app.post<{ Body: Static<typeof Proof> }>(
    `${prefix}/second-factor`,
    {
      config: { ...enrolling, errors: ['ENROLMENT_REQUIRED', 'RATE_LIMITED'] },
      schema: {
        operationId: `completeSignIn${R}`,
        response: { 200: sessionAnswerSchema() },
        tags,
        summary: 'Second step: a TOTP code or a recovery code',
        body: Proof,
      },
    },
    async (request, reply) =>
      sendSession(reply, await accounts.completeSignIn(sessionOf(request), request.body)),
  );

  app.post<{ Body: Static<typeof Proof> }>(
    `${prefix}/step-up`,
    {
      config: { ...full, errors: ['RATE_LIMITED'] },
      schema: {
        operationId: `stepUp${R}`,
        response: { 204: { type: 'null', description: 'Stepped up for 5 minutes' } },
        tags,
        summary: 'A fresh second factor for sensitive acts (valid 5 minutes)',
        body: Proof,
      },
    },
    async (request, reply) => {
      await accounts.stepUp(sessionOf(request), request.body);
      return reply.status(204).send();
    },
  );

  app.post(
    `${prefix}/sign-out`,
    {
      config: enrolling,
      schema: {
        operationId: `signOut${R}`,
        response: { 204: { type: 'null', description: 'Signed out; the cookie is cleared' } },
        tags,
        summary: 'End this session',
      },
    },
    async (request, reply) => {
      await accounts.signOut(sessionOf(request));
      clearSessionCookie(reply, realm);
      return reply.status(204).send();
    },
  );

  app.get(
    `${prefix}/session`,
    {
      config: full,
      schema: {
        operationId: `getSession${R}`,
        response: { 200: SessionView },
        tags,
        summary: 'Who this session is',
      },
    },
    async (request) => {
      const session = sessionOf(request);
      return { accountId: session.accountId, actor: session.actor, realm: session.realm };
    },
  );
}
