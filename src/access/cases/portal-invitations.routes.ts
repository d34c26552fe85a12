/**
 * HTTP route to invite a customer to the privacy portal through a case (staff session, fresh step-up).
 * It answers ids and a one-time token only — no personal data — so it carries no `customerData` flag; the
 * response schema is closed, so nothing else can be serialised into it.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { throughCase } from './cases.routes.ts';
import type { PortalInvitations } from './portal-invitations.service.ts';

const Params = Type.Object({ caseId: Type.String({ maxLength: 64 }) });
const Invite = Type.Object(
  { login: Type.String({ minLength: 1, maxLength: 320 }) },
  { additionalProperties: false },
);
export const PortalInvitationSchema = Type.Object(
  { accountId: Type.String(), invitationToken: Type.String(), expiresAt: Type.String() },
  { $id: 'PortalInvitation', additionalProperties: false },
);

export function portalInvitationRoutes(app: FastifyInstance, deps: { portalInvitations: PortalInvitations }) {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Invite> }>(
    '/v1/cases/:caseId/portal-invitation',
    {
      config: { errors: [...throughCase, 'STEP_UP_REQUIRED', 'FORBIDDEN'] },
      schema: {
        operationId: 'inviteCustomerToPortal',
        tags: ['portal'],
        summary:
          "Invite the case's customer to the privacy portal by their own email or phone on file (fresh step-up)",
        params: Params,
        body: Invite,
        response: { 201: PortalInvitationSchema },
      },
    },
    async (request, reply) => {
      const invited = await deps.portalInvitations.invite(
        principalOf(request),
        request.params.caseId,
        request.body.login,
      );
      return reply.status(201).send({ ...invited, expiresAt: new Date(invited.expiresAt).toISOString() });
    },
  );
}
