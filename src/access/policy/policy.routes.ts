/**
 * HTTP routes of the policy set's lifecycle: read the set in force, propose a new text, list pending
 * proposals, approve or reject one. They parse and call: policy.service.ts decides who may, and checks the
 * step-up a change needs.
 *
 * Invariant: the actor handed to the service is the request's staff principal, whose role comes from the
 * staff directory, never from the client.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { MAX_POLICY_TEXT } from './policy-validation.ts';
import type { PolicyService } from './policy.service.ts';

const tags = ['policies'];
const IdParams = Type.Object({ id: IdSchema('The proposal') });
// Longer than the service's own limit, so an oversized text is its POLICY_INVALID (422), not a schema 400.
const Proposal = Type.Object(
  { text: Type.String({ maxLength: 2 * MAX_POLICY_TEXT }) },
  { additionalProperties: false },
);
const ProposalSchema = Type.Object({
  id: Type.String(),
  baseVersion: Type.Integer(),
  proposedBy: Type.String(),
  proposedAt: Type.Number(),
  status: Type.String(),
  diff: Type.String(),
});

export function policyRoutes(app: FastifyInstance, deps: { policies: PolicyService }) {
  const { policies } = deps;

  app.get(
    '/v1/policies',
    {
      config: { errors: ['FORBIDDEN'] },
      schema: {
        operationId: 'getLivePolicy',
        tags,
        summary: 'The policy set in force: version and Cedar text (admin, security)',
        response: { 200: Type.Object({ version: Type.Integer(), text: Type.String() }) },
      },
    },
    async (request) => policies.live(principalOf(request)),
  );

  app.post<{ Body: Static<typeof Proposal> }>(
    '/v1/policies/proposals',
    {
      config: { errors: ['STEP_UP_REQUIRED', 'FORBIDDEN', 'POLICY_INVALID', 'VERSION_CONFLICT'] },
      schema: {
        operationId: 'proposePolicy',
        tags,
        summary:
          'Propose a new policy set against the live version (admin, step-up); a second admin approves',
        body: Proposal,
        response: {
          201: Type.Object({ ...ProposalSchema.properties, warnings: Type.Array(Type.String()) }),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await policies.propose(principalOf(request), request.body.text)),
  );

  app.get(
    '/v1/policies/proposals',
    {
      config: { errors: ['FORBIDDEN'] },
      schema: {
        operationId: 'listPolicyProposals',
        tags,
        summary: 'Pending policy proposals, each with its diff (admin)',
        response: { 200: Type.Object({ proposals: Type.Array(ProposalSchema) }) },
      },
    },
    async (request) => ({ proposals: await policies.pending(principalOf(request)) }),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/policies/proposals/:id/approve',
    {
      config: {
        errors: [
          'STEP_UP_REQUIRED',
          'FORBIDDEN',
          'NOT_FOUND',
          'VERSION_CONFLICT',
          'POLICY_INVALID',
          'APPROVER_NOT_INDEPENDENT',
          'APPROVER_COOLING_OFF',
        ],
      },
      schema: {
        operationId: 'approvePolicyProposal',
        tags,
        summary:
          'Approve a proposal: it becomes the next version, in force at once (another, independent admin; step-up)',
        params: IdParams,
        response: { 200: Type.Object({ version: Type.Integer() }) },
      },
    },
    async (request) => policies.approve(principalOf(request), request.params.id),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/policies/proposals/:id/reject',
    {
      config: { errors: ['STEP_UP_REQUIRED', 'FORBIDDEN', 'NOT_FOUND'] },
      schema: {
        operationId: 'rejectPolicyProposal',
        response: { 204: { type: 'null', description: 'Rejected' } },
        tags,
        summary: 'Reject a pending proposal (admin, step-up; its proposer may withdraw it this way)',
        params: IdParams,
      },
    },
    async (request, reply) => {
      await policies.reject(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
