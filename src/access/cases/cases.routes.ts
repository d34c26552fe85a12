/**
 * HTTP routes of cases: open, list, assign, close, prove the customer present, and record the customer's
 * consent choices through a case. The customer's record through a case is `customers/customers.routes.ts`,
 * the reveal `reveal/reveal.routes.ts`.
 */
import { caseResolutions } from './case-state.ts';
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema, VocabularySchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { RouteErrors } from '../../platform/route-errors.ts';
import { principalOf } from '../../identity/sessions/principal.ts';
import type { Cases } from './cases.service.ts';
import type { CaseConsents } from './case-consents.service.ts';

const tags = ['cases'];
/**
 * What acting through a case can be refused with: no such case, not yours, no longer open, the policy, or
 * (where training is required) no current training record.
 */
export const throughCase: RouteErrors = [
  'CASE_NOT_FOUND',
  'CASE_NOT_ASSIGNED',
  'CASE_CLOSED',
  'CASE_EXPIRED',
  'ACCESS_DENIED',
  'TRAINING_REQUIRED',
];
const Id = IdSchema();

export const NewCaseFields = {
  purpose: Type.String({ maxLength: 32 }),
  channel: Type.String({ maxLength: 32 }),
  assignees: Type.Optional(Type.Array(Id, { maxItems: 20 })),
  presenceCode: Type.Optional(Type.String({ maxLength: 16 })),
  expiresInHours: Type.Optional(Type.Number()),
};
const OpenCase = Type.Object(
  {
    customerId: Id,
    ...NewCaseFields,
    portalRequestId: Type.Optional(IdSchema("The customer's portal request this case takes up")),
  },
  { additionalProperties: false },
);

export const CaseSchema = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    purpose: Type.String(),
    channel: Type.String(),
    status: Type.String(),
    breakGlass: Type.Boolean(),
    customerPresent: Type.Boolean(),
    assignees: Type.Array(Type.String()),
    openedBy: Type.String(),
    openedAt: Type.String(),
    expiresAt: Type.String(),
  },
  { $id: 'Case' },
);

const CaseParams = Type.Object({ caseId: Id });
const Assign = Type.Object({ staffId: Id }, { additionalProperties: false });
const Close = Type.Object(
  {
    resolution: Type.Optional(
      Type.Union(
        caseResolutions.map((r) => Type.Literal(r)),
        { description: 'How the case ended' },
      ),
    ),
  },
  { additionalProperties: false },
);
const Presence = Type.Object({ code: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
const ConsentParams = Type.Object({ caseId: Id, purpose: VocabularySchema('The consent purpose') });
const ConsentBody = Type.Object({ granted: Type.Boolean() }, { additionalProperties: false });
const ConsentList = Type.Object({
  consents: Type.Array(
    Type.Object({
      purpose: Type.String(),
      granted: Type.Boolean(),
      source: Type.Union([Type.String(), Type.Null()]),
      updatedAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export function caseRoutes(app: FastifyInstance, deps: { cases: Cases; caseConsents: CaseConsents }) {
  const { cases, caseConsents } = deps;

  app.post<{ Body: Static<typeof OpenCase> }>(
    '/v1/cases',
    {
      config: {
        errors: [
          'CUSTOMER_NOT_FOUND',
          'STAFF_NOT_FOUND',
          'ACCESS_DENIED',
          'TRAINING_REQUIRED',
          'CUSTOMER_PRESENCE_REQUIRED',
          'PORTAL_REQUEST_NOT_FOUND',
          'REQUEST_CUSTOMER_MISMATCH',
          'REQUEST_ALREADY_TAKEN',
          'REQUEST_EXPIRED',
        ],
      },
      schema: {
        operationId: 'openCase',
        tags,
        summary: 'Open a case for a customer',
        body: OpenCase,
        response: { 201: CaseSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await cases.openCase(principalOf(request), request.body)),
  );

  app.get(
    '/v1/cases',
    {
      schema: {
        operationId: 'listOpenCases',
        tags,
        summary: 'Your open cases',
        response: { 200: Type.Object({ cases: Type.Array(CaseSchema) }) },
      },
    },
    async (request) => ({ cases: await cases.openCases(principalOf(request)) }),
  );

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:caseId',
    {
      config: { errors: ['CASE_NOT_FOUND', 'CASE_NOT_ASSIGNED'] },
      schema: {
        operationId: 'getCase',
        tags,
        summary: 'A case assigned to you',
        params: CaseParams,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.get(principalOf(request), request.params.caseId),
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Assign> }>(
    '/v1/cases/:caseId/assignees',
    {
      config: { errors: [...throughCase, 'STAFF_NOT_FOUND'] },
      schema: {
        operationId: 'assignToCase',
        tags,
        summary: 'Assign a colleague to your case',
        params: CaseParams,
        body: Assign,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.assign(principalOf(request), request.params.caseId, request.body.staffId),
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Close> }>(
    '/v1/cases/:caseId/close',
    {
      // The body is optional: no body is `{}` (a resolution not said).
      preValidation: async (request) => {
        request.body ??= {};
      },
      config: { errors: throughCase },
      schema: {
        operationId: 'closeCase',
        tags,
        summary: 'Close a case: access through it ends',
        description:
          'The resolution says how the case ended; a case with a reveal closed without a resolution (`no_action`, or nothing said) is scored by the insider-risk watcher.',
        params: CaseParams,
        body: Close,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.close(principalOf(request), request.params.caseId, request.body.resolution),
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Presence> }>(
    '/v1/cases/:caseId/presence',
    {
      config: { errors: [...throughCase, 'CUSTOMER_PRESENCE_REQUIRED', 'RATE_LIMITED'] },
      schema: {
        operationId: 'verifyCustomerPresence',
        tags,
        summary: 'Prove the customer asked: the one-time code from their portal, SMS or email',
        params: CaseParams,
        body: Presence,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.verifyPresence(principalOf(request), request.params.caseId, request.body.code),
  );

  app.put<{ Params: Static<typeof ConsentParams>; Body: Static<typeof ConsentBody> }>(
    '/v1/cases/:caseId/consents/:purpose',
    {
      config: { customerData: true, errors: [...throughCase, 'CUSTOMER_PRESENCE_REQUIRED'] },
      schema: {
        operationId: 'recordConsent',
        tags,
        summary: "Record the customer's consent choice (a grant needs the customer present)",
        params: ConsentParams,
        body: ConsentBody,
        response: { 200: ConsentList },
      },
    },
    async (request) => ({
      consents: await caseConsents.record(
        principalOf(request),
        request.params.caseId,
        request.params.purpose,
        request.body.granted,
      ),
    }),
  );
}
