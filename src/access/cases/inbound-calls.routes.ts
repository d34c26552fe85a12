/**
 * The telephony integration's route: a call came in from a number, taken by an agent. An API token with the
 * `telephony` scope (minted by an administrator for the telephony system) reports it; the answer is the same
 * whether or not the number is a customer's.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { apiTokenOf } from '../../identity/sessions/route-auth.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { InboundCalls } from './inbound-calls.service.ts';

const Call = Type.Object(
  {
    from: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "The caller's number as the exchange gives it",
    }),
    agentStaffId: IdSchema('The staff member who took the call'),
  },
  { additionalProperties: false },
);

export function inboundCallRoutes(
  app: FastifyInstance,
  deps: { inboundCalls: Pick<InboundCalls, 'report'> },
) {
  app.post<{ Body: Static<typeof Call> }>(
    '/v1/integrations/inbound-calls',
    {
      config: { auth: 'admin', scope: 'telephony' },
      schema: {
        operationId: 'reportInboundCall',
        tags: ['integrations'],
        summary: "Report a call taken by an agent: evidence the customer started that agent's cases",
        body: Call,
        response: { 202: Type.Object({ callId: Type.String() }, { additionalProperties: false }) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await deps.inboundCalls.report(apiTokenOf(request), request.body)),
  );
}
