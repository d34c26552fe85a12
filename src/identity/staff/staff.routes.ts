/**
 * HTTP routes of staff identity: invitations and suspension (admin API token), and the staff realm's sign-in
 * routes under `/v1/auth` (see `sign-in.routes.ts`). Session tokens come back in the body for API clients and
 * as an HttpOnly, Secure, SameSite=Strict cookie for the console, with the CSRF token in the body.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import { actorOf } from '../api-tokens/api-token-hook.ts';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { signInRoutes } from '../sign-in/sign-in.routes.ts';

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
export function identityRoutes(
  app: FastifyInstance,
  deps: { accounts: Accounts; sessions: Sessions; adminToken: preValidationHookHandler },
) {
  const { accounts, sessions } = deps;

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

  signInRoutes(app, {
    realm: 'staff',
    prefix: '/v1/auth',
    acceptPath: '/v1/auth/invitations/accept',
    accounts,
    sessions,
  });
}
