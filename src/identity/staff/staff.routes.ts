/**
 * HTTP routes of the staff directory (admin API token): invite a staff member, suspend an account. Staff
 * sign in through the sign-in routes under `/v1/auth` (`sign-in/sign-in.routes.ts`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { Invitations } from '../accounts/invitations.service.ts';
import { actorOf } from '../sessions/route-auth.ts';

const tags = ['identity'];
const admin = { auth: 'admin' } as const;
const Invite = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.String({ maxLength: 32 }),
    region: Type.String({ minLength: 1, maxLength: 64 }),
    site: Type.String({ minLength: 1, maxLength: 64 }),
    shift: Type.String({ minLength: 1, maxLength: 32 }),
    managerId: Type.Optional(IdSchema('The staff ID of their manager')),
  },
  { additionalProperties: false },
);

/** The invitation token is shown once, here; the server keeps only its hash. */
const AccountParams = Type.Object({ accountId: IdSchema('The staff account') });
const StaffInvitationSchema = Type.Object(
  { staffId: Type.String(), accountId: Type.String(), invitationToken: Type.String() },
  { additionalProperties: false },
);

export function staffRoutes(
  app: FastifyInstance,
  deps: { accounts: Pick<Accounts, 'suspend'>; invitations: Pick<Invitations, 'inviteStaff'> },
) {
  app.post<{ Body: Static<typeof Invite> }>(
    '/v1/staff/invitations',
    {
      config: admin,
      schema: {
        operationId: 'inviteStaff',
        response: { 201: StaffInvitationSchema },
        tags,
        summary: 'Invite a staff member',
        body: Invite,
      },
    },
    async (request, reply) => {
      const invited = await deps.invitations.inviteStaff(actorOf(request), request.body);
      return reply.status(201).send(invited);
    },
  );

  app.post<{ Params: Static<typeof AccountParams> }>(
    '/v1/staff/accounts/:accountId/suspend',
    {
      config: admin,
      schema: {
        operationId: 'suspendStaffAccount',
        response: { 204: { type: 'null', description: 'Suspended' } },
        tags,
        summary: 'Suspend a staff account: every session ends now',
        params: AccountParams,
      },
    },
    async (request, reply) => {
      await deps.accounts.suspend(actorOf(request), request.params.accountId);
      return reply.status(204).send();
    },
  );
}
