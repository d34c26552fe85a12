/**
 * HTTP routes of the customer realm: the privacy portal's sign-in under `/v1/portal` (sign-up by invitation,
 * TOTP enrolment, password + second factor, step-up, session; passkeys are in `passkey.routes.ts`), and the
 * staff-side route that invites a customer. Customer sessions live in their own cookie and are refused by
 * every staff route, as staff sessions are by every portal route.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireSession, sessionOf } from '../http/session-auth.ts';
import type { Accounts } from './accounts.service.ts';
import type { Sessions } from './sessions.ts';
import { signInRoutes } from './sign-in.routes.ts';

const Invite = Type.Object(
  { login: Type.String({ minLength: 1, maxLength: 320 }) },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function portalRoutes(app: FastifyInstance, deps: { accounts: Accounts; sessions: Sessions }) {
  const { accounts, sessions } = deps;
  const staffSession = requireSession(sessions, { realm: 'staff' });

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Invite> }>(
    '/v1/customers/:id/portal-invitation',
    {
      preValidation: staffSession,
      schema: {
        tags: ['portal'],
        summary:
          'Invite a customer to the privacy portal by their own email or phone on file (staff; fresh step-up)',
        params: Params,
        body: Invite,
      },
    },
    async (request, reply) => {
      const invited = await accounts.inviteCustomer(sessionOf(request), {
        customerId: request.params.id,
        login: request.body.login,
      });
      return reply.status(201).send({ ...invited, expiresAt: new Date(invited.expiresAt).toISOString() });
    },
  );

  signInRoutes(app, {
    realm: 'customer',
    prefix: '/v1/portal',
    acceptPath: '/v1/portal/sign-up',
    accounts,
    sessions,
  });
}
