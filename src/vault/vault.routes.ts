/**
 * HTTP routes of the vault: create, read (masked), correct and search customers, for staff signed in with a
 * completed second factor. Every route answers with masked views only; no route here returns a real field value.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import { actorOf } from '../http/auth.ts';
import { fieldNames, searchableFields } from './customer-fields.ts';
import type { VaultService } from './vault.service.ts';

const FieldValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]);
const fieldProperties = Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(FieldValue)]));

export const CustomerBody = Type.Object(
  {
    ...fieldProperties,
    attributes: Type.Optional(
      Type.Union([
        Type.Record(Type.String(), Type.String({ maxLength: 500 }), { maxProperties: 32 }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false, $id: 'CustomerInput' },
);

const stringMap = Type.Record(Type.String(), Type.String());

export const MaskedCustomerSchema = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer(),
    fields: Type.Object(Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(Type.String())]))),
    attributes: stringMap,
    classes: Type.Object(Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(Type.String())]))),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'MaskedCustomer' },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const SearchBody = Type.Object(
  {
    by: Type.Union(searchableFields.map((f) => Type.Literal(f))),
    value: Type.String({ minLength: 1, maxLength: 320 }),
  },
  { additionalProperties: false },
);
const UpdateQuery = Type.Object({ version: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) });

const security = [{ bearer: [] }];
const tags = ['customers'];

export function vaultRoutes(
  app: FastifyInstance,
  deps: { vault: VaultService; authenticate: preValidationHookHandler },
) {
  const { vault, authenticate } = deps;

  app.post<{ Body: Static<typeof CustomerBody> }>(
    '/v1/customers',
    {
      preValidation: authenticate,
      schema: {
        tags,
        security,
        summary: 'Create a customer',
        body: CustomerBody,
        response: { 201: MaskedCustomerSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await vault.createCustomer(actorOf(request), request.body)),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/customers/:id',
    {
      preValidation: authenticate,
      schema: {
        tags,
        security,
        summary: 'A customer, masked',
        params: IdParams,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => vault.getMasked(actorOf(request), request.params.id),
  );

  app.patch<{
    Params: Static<typeof IdParams>;
    Body: Static<typeof CustomerBody>;
    Querystring: Static<typeof UpdateQuery>;
  }>(
    '/v1/customers/:id',
    {
      preValidation: authenticate,
      schema: {
        tags,
        security,
        summary: 'Correct fields of a customer (null clears); ?version= guards against lost updates',
        params: IdParams,
        querystring: UpdateQuery,
        body: CustomerBody,
        response: { 200: MaskedCustomerSchema },
      },
    },
    async (request) => {
      const version = request.query.version === undefined ? undefined : Number(request.query.version);
      return vault.updateCustomer(actorOf(request), request.params.id, request.body, version);
    },
  );

  app.post<{ Body: Static<typeof SearchBody> }>(
    '/v1/customers/search',
    {
      preValidation: authenticate,
      schema: {
        tags,
        security,
        summary: 'Exact search by phone, email, account ID or national ID (masked results)',
        body: SearchBody,
        response: { 200: Type.Object({ results: Type.Array(MaskedCustomerSchema) }) },
      },
    },
    async (request) => ({
      results: await vault.search(actorOf(request), request.body.by, request.body.value),
    }),
  );
}
