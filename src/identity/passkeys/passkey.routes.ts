/**
 * HTTP routes for passkeys, once per realm: staff under `/v1/auth/passkeys`, customers under
 * `/v1/portal/passkeys`. Enrolment and removal need a full session with a fresh step-up; listing and renaming
 * a full session. Sign-in is usernameless: `sign-in/options` answers the browser's options and a challenge
 * handle (in the body and in an HttpOnly cookie scoped to the sign-in path), `sign-in/verify` takes the
 * browser's answer and the handle (body or cookie) and issues a full session of the route's realm.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { type Static, Type } from '@sinclair/typebox';
import { CredentialIdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../sessions/route-auth.ts';
import { sendSession, sessionAnswerSchema } from '../sessions/session-cookie.ts';
import type { AccountPasskeys } from './account-passkeys.service.ts';
import type { Realm } from '../sessions/sessions.ts';

const CHALLENGE_COOKIE = 'custos_passkey_challenge';

/** The browser's JSON for a WebAuthn credential; the passkey service checks the inside. */
const CredentialResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1024 }),
    rawId: Type.String({ minLength: 1, maxLength: 1024 }),
    type: Type.Literal('public-key'),
    response: Type.Object({}, { additionalProperties: true }),
    clientExtensionResults: Type.Optional(Type.Object({}, { additionalProperties: true })),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
const Handle = Type.String({ minLength: 1, maxLength: 64 });
const Register = Type.Object(
  { handle: Handle, name: Type.String({ maxLength: 200 }), response: CredentialResponse },
  { additionalProperties: false },
);
const SignIn = Type.Object(
  { handle: Type.Optional(Handle), response: CredentialResponse },
  { additionalProperties: false },
);
const Rename = Type.Object({ name: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const Params = Type.Object({ credentialId: CredentialIdSchema });
/** What the owner sees of a passkey: never the key itself. */
const PasskeySchema = Type.Object(
  {
    credentialId: Type.String({ description: 'base64url, as the browser reports it' }),
    accountId: Type.String(),
    transports: Type.Array(Type.String()),
    name: Type.String(),
    createdAt: Type.Integer({ description: 'ms since the epoch' }),
    lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
/** Options for the browser's WebAuthn call (`@simplewebauthn/browser`) and the handle of their challenge. */
const BrowserOptions = (type: string) =>
  Type.Object(
    {
      handle: Type.String({ description: 'Send it back to finish; also an HttpOnly cookie for sign-in' }),
      options: Type.Object({}, { additionalProperties: true, description: `WebAuthn ${type}` }),
    },
    { additionalProperties: false },
  );

export function passkeyRoutes(
  app: FastifyInstance,
  deps: { realm: Realm; prefix: string; accountPasskeys: AccountPasskeys },
) {
  const { realm, accountPasskeys } = deps;
  const base = `${deps.prefix}/passkeys`;
  const signInPath = `${base}/sign-in`;
  const full = { auth: realm === 'staff' ? 'staff' : 'customer' } as const;
  const open = { auth: 'public' } as const;
  const tags = ['passkeys'];
  const who = realm === 'staff' ? 'staff' : 'customer';
  /** Each realm's operations are named apart: `listPasskeysStaff`, `listPasskeysCustomer`, … */
  const R = realm === 'staff' ? 'Staff' : 'Customer';

  app.post(
    `${base}/registration/options`,
    {
      config: { ...full, errors: ['STEP_UP_REQUIRED'] },
      schema: {
        operationId: `passkeyRegistrationOptions${R}`,
        response: { 200: BrowserOptions('PublicKeyCredentialCreationOptionsJSON') },
        tags,
        summary: `Start enrolling a passkey (${who}; needs a fresh step-up)`,
      },
    },
    async (request) => accountPasskeys.registrationOptions(sessionOf(request)),
  );

  app.post<{ Body: Static<typeof Register> }>(
    `${base}/registration/verify`,
    {
      config: { ...full, errors: ['STEP_UP_REQUIRED'] },
      schema: {
        operationId: `registerPasskey${R}`,
        response: { 201: PasskeySchema },
        tags,
        summary: `Finish enrolling a passkey under a name (${who})`,
        body: Register,
      },
    },
    async (request, reply) => {
      const { handle, name, response } = request.body;
      const passkey = await accountPasskeys.register(sessionOf(request), {
        handle,
        name,
        response: response as unknown as RegistrationResponseJSON,
      });
      return reply.status(201).send(passkey);
    },
  );

  app.get(
    base,
    {
      config: full,
      schema: {
        operationId: `listPasskeys${R}`,
        response: {
          200: Type.Object({ passkeys: Type.Array(PasskeySchema) }, { additionalProperties: false }),
        },
        tags,
        summary: `This account's passkeys (${who})`,
      },
    },
    async (request) => ({
      passkeys: await accountPasskeys.list(sessionOf(request)),
    }),
  );

  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof Rename> }>(
    `${base}/:credentialId`,
    {
      config: { ...full, errors: ['NOT_FOUND'] },
      schema: {
        operationId: `renamePasskey${R}`,
        response: { 204: { type: 'null', description: 'Renamed' } },
        tags,
        summary: `Rename one of this account's passkeys (${who})`,
        params: Params,
        body: Rename,
      },
    },
    async (request, reply) => {
      await accountPasskeys.rename(sessionOf(request), request.params.credentialId, request.body.name);
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: Static<typeof Params> }>(
    `${base}/:credentialId`,
    {
      config: { ...full, errors: ['STEP_UP_REQUIRED', 'NOT_FOUND'] },
      schema: {
        operationId: `removePasskey${R}`,
        response: { 204: { type: 'null', description: 'Removed' } },
        tags,
        summary: `Remove one of this account's passkeys (${who}; needs a fresh step-up)`,
        params: Params,
      },
    },
    async (request, reply) => {
      await accountPasskeys.remove(sessionOf(request), request.params.credentialId);
      return reply.status(204).send();
    },
  );

  app.post(
    `${signInPath}/options`,
    {
      config: open,
      schema: {
        operationId: `passkeySignInOptions${R}`,
        response: { 200: BrowserOptions('PublicKeyCredentialRequestOptionsJSON') },
        tags,
        summary: `Start a usernameless passkey sign-in (${who})`,
      },
    },
    async (_request, reply) => {
      const { handle, expiresAt, options } = await accountPasskeys.signInOptions(realm);
      reply.setCookie(CHALLENGE_COOKIE, handle, {
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        path: signInPath,
        expires: new Date(expiresAt),
      });
      return { handle, options };
    },
  );

  app.post<{ Body: Static<typeof SignIn> }>(
    `${signInPath}/verify`,
    {
      config: { ...open, errors: ['AUTH_INVALID'] },
      schema: {
        operationId: `signInWithPasskey${R}`,
        response: { 200: sessionAnswerSchema() },
        tags,
        summary: `Finish a passkey sign-in → a full ${who} session (the passkey is both factors)`,
        body: SignIn,
      },
    },
    async (request, reply) => {
      const cookies = (request as { cookies?: Record<string, string | undefined> }).cookies;
      reply.clearCookie(CHALLENGE_COOKIE, { path: signInPath });
      const issued = await accountPasskeys.signIn(realm, {
        handle: request.body.handle ?? cookies?.[CHALLENGE_COOKIE],
        response: request.body.response as unknown as AuthenticationResponseJSON,
      });
      return sendSession(reply, issued);
    },
  );
}
