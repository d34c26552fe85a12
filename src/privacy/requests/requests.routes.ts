/**
 * People's requests over HTTP, in the privacy plugin: the signed-in customer files and lists their own
 * (`/v1/portal/privacy-requests`, the customer's session with its second factor: there is no customer id to
 * give); staff the policy allows (security by default) list the pending ones and decide each
 * (`/v1/privacy-requests`, staff sessions).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import { jurisdictions } from '../../platform/jurisdiction.ts';
import { requestKinds } from './deadlines.ts';
import { decisionOutcomes, type Requests } from './requests.service.ts';
import { requestStatuses } from './requests.store.ts';

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

const Kind = literals(requestKinds, 'What the request asks for');
const Status = literals(requestStatuses, 'Where the request stands');
const Jurisdiction = literals(jurisdictions, 'The law whose deadline the request has');
const NewRequest = Type.Object({ kind: Kind }, { additionalProperties: false });
const OwnRequest = Type.Object(
  {
    id: Type.String(),
    kind: Kind,
    status: Status,
    jurisdiction: Jurisdiction,
    filedAt: Type.String(),
    dueAt: Type.String({ description: 'The first instant after the deadline (UTC)' }),
    dueDate: Type.String({ description: 'The last day the request may take (UTC)' }),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why it was refused or extended, as staff gave it',
    }),
  },
  { additionalProperties: false },
);
const StaffRequest = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    kind: Kind,
    status: Status,
    jurisdiction: Jurisdiction,
    filedAt: Type.String(),
    dueAt: Type.String(),
    dueDate: Type.String(),
    extended: Type.Boolean(),
    overdue: Type.Boolean(),
  },
  { additionalProperties: false },
);
const Decision = Type.Object(
  {
    outcome: literals(
      decisionOutcomes,
      'granted (its fulfilment follows as its own act), fulfilled, refused or extended',
    ),
    reason: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Needed to refuse or extend; sealed for the customer, who reads it',
      }),
    ),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ requestId: IdSchema('The request') });

export function privacyRequestRoutes(app: FastifyInstance, deps: { requests: Requests }) {
  app.post<{ Body: Static<typeof NewRequest> }>(
    '/v1/portal/privacy-requests',
    {
      config: { auth: 'customer', errors: ['RATE_LIMITED'] },
      schema: {
        operationId: 'filePrivacyRequest',
        tags: ['portal'],
        summary: 'Ask for access to, an export, correction or erasure of your data, or object to its use',
        body: NewRequest,
        response: { 201: OwnRequest },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await deps.requests.file(sessionOf(request).actor, request.body)),
  );

  app.get(
    '/v1/portal/privacy-requests',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'listOwnPrivacyRequests',
        tags: ['portal'],
        summary: 'Your requests about your data: where each stands and when it is due',
        response: { 200: Type.Object({ requests: Type.Array(OwnRequest) }) },
      },
    },
    async (request) => ({ requests: await deps.requests.mine(sessionOf(request).actor) }),
  );

  app.get(
    '/v1/privacy-requests',
    {
      config: { auth: 'staff', errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPendingPrivacyRequests',
        tags: ['privacy'],
        summary: "Customers' requests waiting for an answer, soonest due first (ids and dates only)",
        response: { 200: Type.Object({ requests: Type.Array(StaffRequest) }) },
      },
    },
    async (request) => ({ requests: await deps.requests.pending(principalOf(request)) }),
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Decision> }>(
    '/v1/privacy-requests/:requestId/decision',
    {
      config: {
        auth: 'staff',
        errors: [
          'ACCESS_DENIED',
          'STEP_UP_REQUIRED',
          'REASON_REQUIRED',
          'PRIVACY_REQUEST_NOT_FOUND',
          'PRIVACY_REQUEST_DECIDED',
          'EXTENSION_NOT_ALLOWED',
          'ERASURE_NOT_DONE',
        ],
      },
      schema: {
        operationId: 'decidePrivacyRequest',
        tags: ['privacy'],
        summary:
          'Grant, fulfil, refuse (with a reason) or extend (with a reason, where the law allows) a request (fresh step-up)',
        params: Params,
        body: Decision,
        response: { 200: StaffRequest },
      },
    },
    async (request) => deps.requests.decide(principalOf(request), request.params.requestId, request.body),
  );
}
