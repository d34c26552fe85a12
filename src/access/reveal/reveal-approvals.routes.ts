/**
 * HTTP routes of reveal approvals: ask through a case, list what awaits a decision, read one, approve or
 * reject. None answers personal data: a `RevealApproval` holds ids, field names and state only (the
 * access matrix checks that the case-bound route answers nothing else).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { throughCase } from '../cases/cases.routes.ts';
import type { RevealApprovals } from './reveal-approvals.service.ts';

const tags = ['reveal-approvals'];
const Id = IdSchema();
const CaseParams = Type.Object({ caseId: Id });
const IdParams = Type.Object({ id: Id });
const Ask = Type.Object(
  {
    fields: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 8 }),
    reason: Type.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);

export const RevealApprovalSchema = Type.Object(
  {
    id: Type.String(),
    caseId: Type.String(),
    customerId: Type.String(),
    purpose: Type.String(),
    fields: Type.Array(Type.String()),
    status: Type.String(),
    requestedBy: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    expiresAt: Type.String(),
    evidence: Type.String({
      description: 'What shows the customer started the access through the case (`none`: staff-initiated)',
    }),
  },
  { $id: 'RevealApproval' },
);

export function revealApprovalRoutes(app: FastifyInstance, deps: { revealApprovals: RevealApprovals }) {
  const { revealApprovals } = deps;

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Ask> }>(
    '/v1/cases/:caseId/reveal-approvals',
    {
      config: { errors: [...throughCase, 'CUSTOMER_NOT_FOUND', 'STEP_UP_REQUIRED'] },
      schema: {
        operationId: 'requestRevealApproval',
        tags,
        summary:
          'Ask a second person to approve revealing fields (sensitive class) through your case; step-up',
        params: CaseParams,
        body: Ask,
        response: { 201: RevealApprovalSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await revealApprovals.request(principalOf(request), request.params.caseId, request.body)),
  );

  app.get(
    '/v1/reveal-approvals/pending',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPendingRevealApprovals',
        tags,
        summary: 'Reveal approvals awaiting a decision (security)',
        response: { 200: Type.Object({ approvals: Type.Array(RevealApprovalSchema) }) },
      },
    },
    async (request) => ({ approvals: await revealApprovals.pending(principalOf(request)) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/reveal-approvals/:id',
    {
      config: { errors: ['APPROVAL_NOT_FOUND', 'ACCESS_DENIED'] },
      schema: {
        operationId: 'getRevealApproval',
        tags,
        summary: 'A reveal approval (its requester, or security)',
        params: IdParams,
        response: { 200: RevealApprovalSchema },
      },
    },
    async (request) => revealApprovals.get(principalOf(request), request.params.id),
  );

  for (const [verb, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(
      `/v1/reveal-approvals/:id/${verb}`,
      {
        config: {
          errors: [
            'STEP_UP_REQUIRED',
            'ACCESS_DENIED',
            'SAME_PERSON',
            'APPROVER_NOT_INDEPENDENT',
            'APPROVER_COOLING_OFF',
            'APPROVAL_NOT_FOUND',
            'APPROVAL_NOT_PENDING',
          ],
        },
        schema: {
          operationId: `${verb}RevealApproval`,
          tags,
          summary: `${verb} a reveal approval (not the requester, step-up)`,
          params: IdParams,
          response: { 200: RevealApprovalSchema },
        },
      },
      async (request) => revealApprovals.decide(principalOf(request), request.params.id, approve),
    );
  }
}
