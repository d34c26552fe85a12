/**
 * HTTP routes of the staff directory. With an API token (each route names its scope): invite a staff
 * member, suspend an account, end setup. With a staff session: decide on privileged roles waiting for a
 * second administrator, read the approvals announced to one's role, and mint, list and revoke one's API
 * tokens. Staff sign in through the sign-in routes under `/v1/auth` (`sign-in/sign-in.routes.ts`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { apiTokenScopes } from '../../platform/route-auth.ts';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { Invitations } from '../accounts/invitations.service.ts';
import { type ApiTokens, MAX_TOKEN_HOURS } from '../api-tokens/api-tokens.ts';
import { principalOf } from '../sessions/principal.ts';
import { actorOf, apiTokenOf } from '../sessions/route-auth.ts';
import type { Announcements } from './announcements.ts';
import type { RoleGrants } from './role-grants.ts';

const tags = ['identity'];
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
  {
    staffId: Type.String(),
    accountId: Type.String(),
    invitationToken: Type.String(),
    /** True: a privileged role waiting for a second administrator; the account acts nothing until then. */
    pending: Type.Boolean(),
  },
  { additionalProperties: false },
);
const StaffParams = Type.Object({ staffId: Type.String({ maxLength: 64 }) });
const PendingGrant = Type.Object({
  staffId: Type.String(),
  role: Type.String(),
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  invitedAt: Type.String(),
});
const AnnouncementSchema = Type.Object({
  id: Type.String(),
  role: Type.String(),
  kind: Type.String(),
  subjectId: Type.String(),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.String(),
  createdAt: Type.String(),
});
const Scope = Type.Union(apiTokenScopes.map((s) => Type.Literal(s)));
const NewToken = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: apiTokenScopes.length }),
    hours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_HOURS })),
  },
  { additionalProperties: false },
);
const TokenView = Type.Object({
  id: Type.String(),
  label: Type.String(),
  kind: Type.String(),
  ownerStaffId: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});

export function staffRoutes(
  app: FastifyInstance,
  deps: {
    accounts: Pick<Accounts, 'suspend'>;
    invitations: Pick<Invitations, 'inviteStaff'>;
    roleGrants: Pick<RoleGrants, 'pending' | 'decide' | 'completeSetup'>;
    announcements: Pick<Announcements, 'forMember'>;
    apiTokens: Pick<ApiTokens, 'createForStaff' | 'list' | 'revoke'>;
  },
) {
  app.post<{ Body: Static<typeof Invite> }>(
    '/v1/staff/invitations',
    {
      config: { auth: 'admin', scope: 'staff_invite', errors: ['SETUP_CLOSED'] },
      schema: {
        operationId: 'inviteStaff',
        response: { 201: StaffInvitationSchema },
        tags,
        summary: 'Invite a staff member (admin and security wait for a second administrator)',
        body: Invite,
      },
    },
    async (request, reply) => {
      const invited = await deps.invitations.inviteStaff(apiTokenOf(request), request.body);
      return reply.status(201).send(invited);
    },
  );

  app.post<{ Params: Static<typeof AccountParams> }>(
    '/v1/staff/accounts/:accountId/suspend',
    {
      config: { auth: 'admin', scope: 'staff_suspend' },
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

  app.post(
    '/v1/setup/complete',
    {
      config: { auth: 'admin', scope: 'setup' },
      schema: {
        operationId: 'completeSetup',
        response: { 204: { type: 'null', description: 'Setup has ended' } },
        tags,
        summary: "End setup: the operator's tokens can no longer make admin or security staff",
      },
    },
    async (request, reply) => {
      await deps.roleGrants.completeSetup(actorOf(request));
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/staff/role-grants/pending',
    {
      schema: {
        operationId: 'listPendingRoleGrants',
        response: { 200: Type.Array(PendingGrant) },
        tags,
        summary: 'Privileged roles waiting for a second administrator (admin)',
      },
    },
    async (request) => deps.roleGrants.pending(principalOf(request)),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: Static<typeof StaffParams> }>(
      `/v1/staff/:staffId/role-grant/${decision}`,
      {
        config: {
          errors: [
            'SAME_PERSON',
            'APPROVER_NOT_INDEPENDENT',
            'APPROVER_COOLING_OFF',
            'STAFF_NOT_FOUND',
            'APPROVAL_NOT_PENDING',
          ],
        },
        schema: {
          operationId: decision === 'approve' ? 'approveRoleGrant' : 'rejectRoleGrant',
          response: { 204: { type: 'null', description: 'Decided' } },
          tags,
          summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a privileged role (a second, independent administrator; step-up)`,
          params: StaffParams,
        },
      },
      async (request, reply) => {
        await deps.roleGrants.decide(principalOf(request), request.params.staffId, decision === 'approve');
        return reply.status(204).send();
      },
    );
  }

  app.get(
    '/v1/announcements',
    {
      schema: {
        operationId: 'listAnnouncements',
        response: { 200: Type.Array(AnnouncementSchema) },
        tags,
        summary: 'Approvals made lately by the rest of your role',
      },
    },
    async (request) => deps.announcements.forMember(principalOf(request)),
  );

  app.post<{ Body: Static<typeof NewToken> }>(
    '/v1/api-tokens',
    {
      schema: {
        operationId: 'createApiToken',
        response: {
          201: Type.Object({
            id: Type.String(),
            token: Type.String(),
            scopes: Type.Array(Type.String()),
            expiresAt: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
        tags,
        summary: 'Mint an API token acting for you, with scopes your role grants (step-up; shown once)',
        body: NewToken,
      },
    },
    async (request, reply) =>
      reply.status(201).send(await deps.apiTokens.createForStaff(principalOf(request), request.body)),
  );

  app.get(
    '/v1/api-tokens',
    {
      schema: {
        operationId: 'listApiTokens',
        response: { 200: Type.Array(TokenView) },
        tags,
        summary: 'API tokens in force (all for an administrator, your own otherwise)',
      },
    },
    async (request) => deps.apiTokens.list(principalOf(request)),
  );

  app.delete<{ Params: { tokenId: string } }>(
    '/v1/api-tokens/:tokenId',
    {
      schema: {
        operationId: 'revokeApiToken',
        response: { 204: { type: 'null', description: 'Revoked' } },
        tags,
        summary: 'Revoke an API token (an administrator any, anyone their own)',
        params: Type.Object({ tokenId: Type.String({ maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      await deps.apiTokens.revoke(principalOf(request), request.params.tokenId);
      return reply.status(204).send();
    },
  );
}
