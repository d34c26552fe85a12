/**
 * HTTP routes of customer data as staff reach it: find a customer (exact search, masked), register one
 * within a new case, and through a case read the masked record and correct it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { CustomerBody, MaskedCustomerSchema, SearchBody } from '../../vault/vault.schemas.ts';
import { CaseSchema, NewCaseFields, throughCase } from '../cases/cases.routes.ts';
import type { Customers } from './customers.service.ts';

const tags = ['customers'];
const Register = Type.Object(
  { customer: CustomerBody, case: Type.Object(NewCaseFields, { additionalProperties: false }) },
  { additionalProperties: false },
);
const CaseParams = Type.Object({ caseId: IdSchema('The case') });
const UpdateQuery = Type.Object({ version: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) });

export function customerRoutes(app: FastifyInstance, deps: { customers: Customers }) {
  const { customers } = deps;

  app.post<{ Body: Static<typeof Register> }>(
    '/v1/customers',
    {
      config: {
        customerData: true,
        errors: ['ACCESS_DENIED', 'TRAINING_REQUIRED', 'STAFF_NOT_FOUND', 'DUPLICATE_CUSTOMER'],
      },
      schema: {
        operationId: 'registerCustomer',
        tags,
        summary: 'Register a customer and open a case for them (you are assigned)',
        body: Register,
        response: { 201: Type.Object({ customer: MaskedCustomerSchema, case: CaseSchema }) },
      },
    },
    async (request, reply) => {
      const { customer, case: caseInput } = request.body;
      return reply.status(201).send(await customers.register(principalOf(request), customer, caseInput));
    },
  );

  app.post<{ Body: Static<typeof SearchBody> }>(
    '/v1/customers/search',
    {
      config: {
        customerData: true,
        errors: [
          'ACCESS_DENIED',
          'TRAINING_REQUIRED',
          'QUOTA_EXCEEDED',
          'CUSTOMER_PRESENCE_REQUIRED',
          'RATE_LIMITED',
        ],
      },
      schema: {
        operationId: 'searchCustomers',
        tags,
        summary:
          'Exact search by phone, email, account ID or national ID (with the customer present: their presence code): masked, at most 10, counted per hour and per day',
        body: SearchBody,
        response: { 200: Type.Object({ results: Type.Array(MaskedCustomerSchema) }) },
      },
    },
    async (request) => ({
      results: await customers.search(
        principalOf(request),
        request.body.by,
        request.body.value,
        request.body.presenceCode,
      ),
    }),
  );

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:caseId/customer',
    {
      config: { customerData: true, errors: [...throughCase, 'CUSTOMER_NOT_FOUND'] },
      schema: {
        operationId: 'getCaseCustomer',
        tags: ['cases'],
        summary: "The case's customer, masked",
        params: CaseParams,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => customers.view(principalOf(request), request.params.caseId),
  );

  app.patch<{
    Params: Static<typeof CaseParams>;
    Body: Static<typeof CustomerBody>;
    Querystring: Static<typeof UpdateQuery>;
  }>(
    '/v1/cases/:caseId/customer',
    {
      config: {
        customerData: true,
        errors: [
          ...throughCase,
          'CUSTOMER_NOT_FOUND',
          'STEP_UP_REQUIRED',
          'VERSION_CONFLICT',
          'DUPLICATE_CUSTOMER',
          'CUSTOMER_PRESENCE_REQUIRED',
        ],
      },
      schema: {
        operationId: 'correctCaseCustomer',
        tags: ['cases'],
        summary:
          "Correct the case's customer (null clears; step-up; a phone or email only with the customer present, and the old contact is told; ?version= guards against lost updates)",
        params: CaseParams,
        querystring: UpdateQuery,
        body: CustomerBody,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => {
      const version = request.query.version === undefined ? undefined : Number(request.query.version);
      return customers.correct(principalOf(request), request.params.caseId, request.body, version);
    },
  );
}
