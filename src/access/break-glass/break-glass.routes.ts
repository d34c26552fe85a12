/** HTTP routes of break-glass: emergency access without a case, and security's review of it. */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { CaseSchema } from '../cases/cases.routes.ts';
import type { BreakGlass } from './break-glass.service.ts';

const Id = IdSchema();
const IdParams = Type.Object({ id: Id });
const BreakGlassBody = Type.Object(
  { customerId: Id, purpose: Type.String({ maxLength: 32 }), reason: Type.String({ maxLength: 500 }) },
  { additionalProperties: false },
);
/** A break-glass case awaiting security's review. */
const PendingReview = Type.Object(
  { ...CaseSchema.properties, reviewDueAt: Type.String(), overdue: Type.Boolean() },
  { additionalProperties: false },
);
const StaffParams = Type.Object({ staffId: Id });
const Review = Type.Object({ outcome: Type.String({ maxLength: 16 }) }, { additionalProperties: false });

export function breakGlassRoutes(app: FastifyInstance, deps: { breakGlass: BreakGlass }) {
  const { breakGlass } = deps;

  app.post<{ Body: Static<typeof BreakGlassBody> }>(
    '/v1/break-glass',
    {
      config: {
        errors: [
          'STEP_UP_REQUIRED',
          'ACCESS_DENIED',
          'TRAINING_REQUIRED',
          'CUSTOMER_NOT_FOUND',
          'BREAK_GLASS_WITHDRAWN',
          'BREAK_GLASS_UNREVIEWED',
          'BREAK_GLASS_LIMIT',
        ],
      },
      schema: {
        operationId: 'openBreakGlass',
        tags: ['break-glass'],
        summary: 'Emergency access without a case: reason, step-up, alert to review within 24 h',
        body: BreakGlassBody,
        response: { 201: CaseSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await breakGlass.open(principalOf(request), request.body)),
  );

  app.get(
    '/v1/break-glass/reviews',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listBreakGlassReviews',
        response: {
          200: Type.Object({ reviews: Type.Array(PendingReview) }, { additionalProperties: false }),
        },
        tags: ['break-glass'],
        summary: 'Break-glass cases awaiting review (security)',
      },
    },
    async (request) => ({ reviews: await breakGlass.pendingReviews(principalOf(request)) }),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Review> }>(
    '/v1/break-glass/:id/review',
    {
      config: {
        errors: ['STEP_UP_REQUIRED', 'ACCESS_DENIED', 'SAME_PERSON', 'CASE_NOT_FOUND', 'ALREADY_REVIEWED'],
      },
      schema: {
        operationId: 'reviewBreakGlass',
        response: { 204: { type: 'null', description: 'Reviewed' } },
        tags: ['break-glass'],
        summary: 'Review a break-glass: justified or unjustified',
        params: IdParams,
        body: Review,
      },
    },
    async (request, reply) => {
      await breakGlass.review(principalOf(request), request.params.id, request.body.outcome);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: Static<typeof StaffParams> }>(
    '/v1/break-glass/staff/:staffId/restore',
    {
      config: { errors: ['STEP_UP_REQUIRED', 'ACCESS_DENIED', 'SAME_PERSON', 'NOT_FOUND'] },
      schema: {
        operationId: 'restoreBreakGlass',
        response: { 204: { type: 'null', description: 'Restored' } },
        tags: ['break-glass'],
        summary: 'Give back break-glass an unjustified review withdrew (security, step-up, not your own)',
        params: StaffParams,
      },
    },
    async (request, reply) => {
      await breakGlass.restore(principalOf(request), request.params.staffId);
      return reply.status(204).send();
    },
  );
}
