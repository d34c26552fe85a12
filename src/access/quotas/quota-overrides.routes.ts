/** HTTP route of quota overrides: one quota of one staff member, set by an administrator. */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema, VocabularySchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { MAX_QUOTA_OVERRIDE, type QuotaOverrides } from './quota-overrides.service.ts';

const QuotaParams = Type.Object({
  staffId: IdSchema('The staff member'),
  quota: VocabularySchema('The quota'),
});
const QuotaBody = Type.Object(
  { max: Type.Integer({ minimum: 0, maximum: MAX_QUOTA_OVERRIDE }) },
  { additionalProperties: false },
);

export function quotaOverrideRoutes(app: FastifyInstance, deps: { quotaOverrides: QuotaOverrides }) {
  app.put<{ Params: Static<typeof QuotaParams>; Body: Static<typeof QuotaBody> }>(
    '/v1/staff/:staffId/quotas/:quota',
    {
      config: { errors: ['ACCESS_DENIED', 'STAFF_NOT_FOUND'] },
      schema: {
        operationId: 'setQuotaOverride',
        response: { 204: { type: 'null', description: 'Set' } },
        tags: ['staff'],
        summary: "Override one of a staff member's quotas (admin)",
        params: QuotaParams,
        body: QuotaBody,
      },
    },
    async (request, reply) => {
      const { staffId, quota } = request.params;
      await deps.quotaOverrides.setOverrideAs(principalOf(request), staffId, quota, request.body.max);
      return reply.status(204).send();
    },
  );
}
