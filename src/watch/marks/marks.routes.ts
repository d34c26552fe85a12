/** HTTP routes of watch marks: security marks a customer as a VIP or a co-worker, or removes the mark. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { Marks } from './marks.service.ts';
import { markKinds } from './marks.types.ts';

const Params = Type.Object({ customerId: IdSchema('The customer') });
const errors = ['ACCESS_DENIED', 'STEP_UP_REQUIRED', 'CUSTOMER_NOT_FOUND'] as const;

export function markRoutes(app: FastifyInstance, deps: { marks: Marks }) {
  app.put<{ Params: { customerId: string }; Body: { kind: string } }>(
    '/v1/watch/marks/:customerId',
    {
      config: { errors: [...errors] },
      schema: {
        operationId: 'markCustomer',
        tags: ['watch'],
        summary: 'Mark a customer as a VIP or a co-worker (security, step-up)',
        description:
          'A reveal of a marked customer that the customer did not start is scored and alerted at once. The mark is stored keyed: the database does not list who is marked.',
        params: Params,
        body: Type.Object(
          { kind: Type.Union(markKinds.map((k) => Type.Literal(k))) },
          { additionalProperties: false },
        ),
        response: { 204: { type: 'null', description: 'Marked' } },
      },
    },
    async (request, reply) => {
      await deps.marks.mark(principalOf(request), request.params.customerId, request.body.kind);
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: { customerId: string } }>(
    '/v1/watch/marks/:customerId',
    {
      config: { errors: [...errors, 'NOT_FOUND'] },
      schema: {
        operationId: 'unmarkCustomer',
        tags: ['watch'],
        summary: 'Remove a VIP or co-worker mark (security, step-up)',
        params: Params,
        response: { 204: { type: 'null', description: 'Unmarked' } },
      },
    },
    async (request, reply) => {
      await deps.marks.unmark(principalOf(request), request.params.customerId);
      return reply.status(204).send();
    },
  );
}
