/**
 * The customer's side of a customer-present proof: signed in to the privacy portal, a customer asks for a
 * one-time code and reads it out to the clerk at the counter or on the phone. The code binds a case to a
 * request the customer really made; staff cannot mint one for themselves.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { CustosError } from '../../platform/errors.ts';
import type { PresenceCodes } from './presence-codes.ts';

export function presenceRoutes(app: FastifyInstance, deps: { presenceCodes: PresenceCodes }) {
  app.post(
    '/v1/portal/presence-code',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'issuePresenceCode',
        tags: ['portal'],
        summary: 'A one-time code (10 minutes) to read out to staff serving you: it proves you asked',
        response: { 201: Type.Object({ code: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      if (session.actor.type !== 'customer')
        throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      return reply.status(201).send(await deps.presenceCodes.issue(session.actor, session.actor.id));
    },
  );
}
