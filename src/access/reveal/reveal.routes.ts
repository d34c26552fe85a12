/**
 * HTTP route of the reveal: the plaintext of some fields of a case's customer, with a reason, after a fresh
 * step-up, the policy and the quota, and only once its ledger entry is durable (`reveal.service.ts`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { MaskedCustomerSchema } from '../../vault/vault.schemas.ts';
import { throughCase } from '../cases/cases.routes.ts';
import type { Reveals } from './reveal.service.ts';

const CaseParams = Type.Object({ caseId: IdSchema('The case') });
const Reveal = Type.Object(
  {
    fields: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 8 }),
    reason: Type.String({ maxLength: 500 }),
    approvalId: Type.Optional(IdSchema('The approved reveal approval')),
  },
  { additionalProperties: false },
);
const Revealed = Type.Object({
  caseId: Type.String(),
  customerId: Type.String(),
  revealed: Type.Record(
    Type.String(),
    Type.Union([Type.String(), Type.Null(), Type.Record(Type.String(), Type.String())]),
  ),
  customer: MaskedCustomerSchema,
  risk: Type.Optional(
    Type.Object(
      {
        tier: Type.String(),
        explanation: Type.Array(
          Type.Object({ path: Type.String(), problem: Type.String() }, { additionalProperties: false }),
        ),
      },
      {
        additionalProperties: false,
        description: "The watcher's tier above normal, and why (GET /v1/watch/me)",
      },
    ),
  ),
});

export function revealRoutes(app: FastifyInstance, deps: { reveals: Reveals }) {
  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Reveal> }>(
    '/v1/cases/:caseId/reveal',
    {
      config: {
        customerData: true,
        errors: [
          ...throughCase,
          'CUSTOMER_NOT_FOUND',
          'STEP_UP_REQUIRED',
          'APPROVAL_REQUIRED',
          'QUOTA_EXCEEDED',
        ],
      },
      schema: {
        operationId: 'revealCaseCustomer',
        tags: ['cases'],
        summary:
          'Reveal fields of the case customer: reason, fresh step-up, policy, quota; ledgered before it answers',
        params: CaseParams,
        body: Reveal,
        response: { 200: Revealed },
      },
    },
    async (request) =>
      deps.reveals.reveal(
        principalOf(request),
        request.params.caseId,
        request.body.fields,
        request.body.reason,
        request.body.approvalId,
      ),
  );
}
