/**
 * HTTP routes of cases: open, list, assign, close, prove the customer present; and, through a case, the
 * customer's masked record, corrections, reveals and consents. Every route takes a staff session with a
 * completed second factor; reveal and correction also a fresh step-up.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CustomerBody, MaskedCustomerSchema } from '../../vault/vault.schemas.ts';
import { type AccessRouteDeps, principal, security } from '../route-context.ts';
import type { Cases } from './cases.service.ts';
import type { Consents } from '../../privacy/consents.service.ts';
import type { CustomerAccess } from '../reveal/reveal.service.ts';

const tags = ['cases'];
const Id = Type.String({ maxLength: 64 });

export const NewCaseFields = {
  purpose: Type.String({ maxLength: 32 }),
  channel: Type.String({ maxLength: 32 }),
  assignees: Type.Optional(Type.Array(Id, { maxItems: 20 })),
  presenceCode: Type.Optional(Type.String({ maxLength: 16 })),
  expiresInHours: Type.Optional(Type.Number()),
};
const OpenCase = Type.Object({ customerId: Id, ...NewCaseFields }, { additionalProperties: false });

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
const Presence = Type.Object({ code: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
const Reveal = Type.Object(
  {
    fields: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 8 }),
    reason: Type.String({ maxLength: 500 }),
    approvalId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const UpdateQuery = Type.Object({ version: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) });
const ConsentParams = Type.Object({ caseId: Id, purpose: Type.String({ maxLength: 32 }) });
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

export function caseRoutes(
  app: FastifyInstance,
  deps: AccessRouteDeps & { cases: Cases; customerAccess: CustomerAccess; consents: Consents },
) {
  const { cases, customerAccess, consents, staffSession } = deps;
  const p = (request: Parameters<typeof principal>[1]) => principal(deps, request);

  app.post<{ Body: Static<typeof OpenCase> }>(
    '/v1/cases',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'Open a case for a customer',
        body: OpenCase,
        response: { 201: CaseSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await cases.openCase(await p(request), request.body)),
  );

  app.get(
    '/v1/cases',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'Your open cases',
        response: { 200: Type.Object({ cases: Type.Array(CaseSchema) }) },
      },
    },
    async (request) => ({ cases: await cases.openCases(await p(request)) }),
  );

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:caseId',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'A case assigned to you',
        params: CaseParams,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.get(await p(request), request.params.caseId),
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Assign> }>(
    '/v1/cases/:caseId/assignees',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'Assign a colleague to your case',
        params: CaseParams,
        body: Assign,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.assign(await p(request), request.params.caseId, request.body.staffId),
  );

  app.post<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:caseId/close',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'Close a case: access through it ends',
        params: CaseParams,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.close(await p(request), request.params.caseId),
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Presence> }>(
    '/v1/cases/:caseId/presence',
    {
      preValidation: staffSession,
      schema: {
        tags,
        security,
        summary: 'Prove the customer asked: the one-time code from their portal, SMS or email',
        params: CaseParams,
        body: Presence,
        response: { 200: CaseSchema },
      },
    },
    async (request) => cases.verifyPresence(await p(request), request.params.caseId, request.body.code),
  );

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:caseId/customer',
    {
      preValidation: staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary: "The case's customer, masked",
        params: CaseParams,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => customerAccess.view(await p(request), request.params.caseId),
  );

  app.patch<{
    Params: Static<typeof CaseParams>;
    Body: Static<typeof CustomerBody>;
    Querystring: Static<typeof UpdateQuery>;
  }>(
    '/v1/cases/:caseId/customer',
    {
      preValidation: staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary: "Correct the case's customer (null clears; step-up; ?version= guards against lost updates)",
        params: CaseParams,
        querystring: UpdateQuery,
        body: CustomerBody,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => {
      const version = request.query.version === undefined ? undefined : Number(request.query.version);
      return customerAccess.correct(await p(request), request.params.caseId, request.body, version);
    },
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof Reveal> }>(
    '/v1/cases/:caseId/reveal',
    {
      preValidation: staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary:
          'Reveal fields of the case customer: reason, fresh step-up, policy, quota; ledgered before it answers',
        params: CaseParams,
        body: Reveal,
        response: {
          200: Type.Object({
            caseId: Type.String(),
            customerId: Type.String(),
            revealed: Type.Record(
              Type.String(),
              Type.Union([Type.String(), Type.Null(), Type.Record(Type.String(), Type.String())]),
            ),
            customer: MaskedCustomerSchema,
          }),
        },
      },
    },
    async (request) =>
      customerAccess.reveal(
        await p(request),
        request.params.caseId,
        request.body.fields,
        request.body.reason,
        request.body.approvalId,
      ),
  );

  app.put<{ Params: Static<typeof ConsentParams>; Body: Static<typeof ConsentBody> }>(
    '/v1/cases/:caseId/consents/:purpose',
    {
      preValidation: staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary: "Record the customer's consent choice (a grant needs the customer present)",
        params: ConsentParams,
        body: ConsentBody,
        response: { 200: ConsentList },
      },
    },
    async (request) => ({
      consents: await consents.setThroughCase(
        await p(request),
        request.params.caseId,
        request.params.purpose,
        request.body.granted,
      ),
    }),
  );
}
