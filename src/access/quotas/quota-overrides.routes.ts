/**
 * HTTP routes of quota overrides: an administrator lowers one quota of one staff member, or asks for a
 * raise above the role's default, which security approves (or rejects) and which then ends by itself.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema, VocabularySchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { MAX_QUOTA_OVERRIDE, MAX_RAISE_HOURS, type QuotaOverrides } from './quota-overrides.service.ts';

const QuotaParams = Type.Object({
  staffId: IdSchema('The staff member'),
  quota: VocabularySchema('The quota'),
});
const QuotaBody = Type.Object(
  {
    max: Type.Integer({ minimum: 0, maximum: MAX_QUOTA_OVERRIDE }),
    /** How long a raise lasts once approved (hours). */
    hours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RAISE_HOURS })),
  },
  { additionalProperties: false },
);
const RaiseView = Type.Object({
  id: Type.String(),
  staffId: Type.String(),
  quota: Type.String(),
  max: Type.Integer(),
  hours: Type.Integer(),
  requestedBy: Type.String(),
  status: Type.String(),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const tags = ['staff'];

export function quotaOverrideRoutes(app: FastifyInstance, deps: { quotaOverrides: QuotaOverrides }) {
  app.put<{ Params: Static<typeof QuotaParams>; Body: Static<typeof QuotaBody> }>(
    '/v1/staff/:staffId/quotas/:quota',
    {
      config: { errors: ['ACCESS_DENIED', 'STAFF_NOT_FOUND', 'SAME_PERSON'] },
      schema: {
        operationId: 'setQuotaOverride',
        response: {
          204: { type: 'null', description: 'Set (at or below the role default)' },
          202: RaiseView,
        },
        tags,
        summary:
          "Set one of a staff member's quotas (admin): at or below the role default at once, above it a raise for security to approve",
        params: QuotaParams,
        body: QuotaBody,
      },
    },
    async (request, reply) => {
      const { staffId, quota } = request.params;
      const { max, hours } = request.body;
      const outcome = await deps.quotaOverrides.setOverrideAs(
        principalOf(request),
        staffId,
        quota,
        max,
        hours,
      );
      return outcome.status === 'set' ? reply.status(204).send() : reply.status(202).send(outcome.raise);
    },
  );

  app.get(
    '/v1/quota-raises/pending',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPendingQuotaRaises',
        response: { 200: Type.Array(RaiseView) },
        tags,
        summary: 'Quota raises waiting for approval (security)',
      },
    },
    async (request) => deps.quotaOverrides.pendingRaises(principalOf(request)),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { raiseId: string } }>(
      `/v1/quota-raises/:raiseId/${decision}`,
      {
        config: {
          errors: [
            'ACCESS_DENIED',
            'APPROVAL_NOT_FOUND',
            'APPROVAL_NOT_PENDING',
            'SAME_PERSON',
            'APPROVER_NOT_INDEPENDENT',
            'APPROVER_COOLING_OFF',
          ],
        },
        schema: {
          operationId: decision === 'approve' ? 'approveQuotaRaise' : 'rejectQuotaRaise',
          response: { 200: RaiseView },
          tags,
          summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a quota raise (security, independent, step-up)`,
          params: Type.Object({ raiseId: Type.String({ maxLength: 64 }) }),
        },
      },
      async (request) =>
        deps.quotaOverrides.decideRaise(principalOf(request), request.params.raiseId, decision === 'approve'),
    );
  }
}
