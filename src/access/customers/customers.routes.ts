/** HTTP routes to find and register customers: exact search (masked) and registration within a new case. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CustomerBody, MaskedCustomerSchema, SearchBody } from '../../vault/vault.schemas.ts';
import { type AccessRouteDeps, principal, security } from '../route-context.ts';
import { CaseSchema, NewCaseFields } from '../cases/cases.routes.ts';
import type { CustomerAccess } from '../reveal/reveal.service.ts';

const tags = ['customers'];
const Register = Type.Object(
  { customer: CustomerBody, case: Type.Object(NewCaseFields, { additionalProperties: false }) },
  { additionalProperties: false },
);

export function customerRoutes(
  app: FastifyInstance,
  deps: AccessRouteDeps & { customerAccess: CustomerAccess },
) {
  const { customerAccess } = deps;

  app.post<{ Body: Static<typeof Register> }>(
    '/v1/customers',
    {
      preValidation: deps.staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary: 'Register a customer and open a case for them (you are assigned)',
        body: Register,
        response: { 201: Type.Object({ customer: MaskedCustomerSchema, case: CaseSchema }) },
      },
    },
    async (request, reply) => {
      const { customer, case: caseInput } = request.body;
      const p = await principal(deps, request);
      return reply.status(201).send(await customerAccess.register(p, customer, caseInput));
    },
  );

  app.post<{ Body: Static<typeof SearchBody> }>(
    '/v1/customers/search',
    {
      preValidation: deps.staffSession,
      config: { customerData: true },
      schema: {
        tags,
        security,
        summary:
          'Exact search by phone, email, account ID or national ID: masked, at most 10, counted per hour',
        body: SearchBody,
        response: { 200: Type.Object({ results: Type.Array(MaskedCustomerSchema) }) },
      },
    },
    async (request) => ({
      results: await customerAccess.search(
        await principal(deps, request),
        request.body.by,
        request.body.value,
      ),
    }),
  );
}
