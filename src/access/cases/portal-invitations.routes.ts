/**
 * HTTP route to have a customer invited to the privacy portal through a case (staff session, fresh
 * step-up), by a channel on file. It answers that the request was taken — no token, no address, and the
 * same answer whatever the customer has on file — so it carries no `customerData` flag; the response
 * schema is closed, so nothing else can be serialised into it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { throughCase } from './cases.routes.ts';
import { invitationChannels, type PortalInvitations } from './portal-invitations.service.ts';

const Params = Type.Object({ caseId: IdSchema('The case') });
const Invite = Type.Object(
  { channel: Type.Union(invitationChannels.map((c) => Type.Literal(c))) },
  { additionalProperties: false },
);
export const PortalInvitationSchema = Type.Object(
  { channel: Type.String(), status: Type.Literal('requested') },
  { $id: 'PortalInvitationRequest', additionalProperties: false },
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
          "Have the case's customer invited to the privacy portal at their email or phone on file (fresh step-up); the invitation goes to the customer, never to you",
        params: Params,
        body: Invite,
        response: { 202: PortalInvitationSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          await deps.portalInvitations.invite(
            principalOf(request),
            request.params.caseId,
            request.body.channel,
          ),
        ),
  );
}
