/** HTTP routes of automatic suspensions' review: what security owes each suspended staff member. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { Suspensions } from './suspensions.service.ts';

const Pending = Type.Object(
  {
    id: Type.String(),
    staff: Type.String({
      description:
        'The staff member: a pseudonym (`staff-` and 10 base32 characters) unless pseudonyms are off',
    }),
    suspendedAt: Type.String(),
    reviewDueAt: Type.String(),
  },
  { additionalProperties: false },
);
const Review = Type.Object(
  {
    outcome: Type.Union([Type.Literal('lift'), Type.Literal('confirm')]),
    reason: Type.String({ minLength: 10, maxLength: 500 }),
  },
  { additionalProperties: false },
);

export function suspensionRoutes(app: FastifyInstance, deps: { suspensions: Suspensions }) {
  app.get(
    '/v1/watch/suspensions',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPendingSuspensions',
        tags: ['watch'],
        summary: "Automatic suspensions waiting for a person's review (security)",
        response: { 200: Type.Object({ suspensions: Type.Array(Pending) }, { additionalProperties: false }) },
      },
    },
    async (request) => ({ suspensions: await deps.suspensions.pending(principalOf(request)) }),
  );

  app.post<{ Params: { suspensionId: string }; Body: { outcome: 'lift' | 'confirm'; reason: string } }>(
    '/v1/watch/suspensions/:suspensionId/review',
    {
      config: {
        errors: ['ACCESS_DENIED', 'STEP_UP_REQUIRED', 'SAME_PERSON', 'NOT_FOUND', 'ALREADY_REVIEWED'],
      },
      schema: {
        operationId: 'reviewSuspension',
        tags: ['watch'],
        summary: 'Lift or confirm an automatic suspension, with a reason (security, step-up, not your own)',
        params: Type.Object({ suspensionId: IdSchema('The suspension') }),
        body: Review,
        response: { 204: { type: 'null', description: 'Reviewed' } },
      },
    },
    async (request, reply) => {
      await deps.suspensions.review(
        principalOf(request),
        request.params.suspensionId,
        request.body.outcome,
        request.body.reason,
      );
      return reply.status(204).send();
    },
  );
}
