/**
 * The privacy module's routes, one plugin. For the signed-in customer (portal realm, second factor done):
 * their own data in plaintext, corrections, and erasure — no customer id in the path, the session names
 * them. For a privacy officer (staff; the policy's `customer_erase` and `legal_hold`): erasure of a customer
 * and legal holds. Acts that change or destroy data need a fresh second factor.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import { sessionOf } from '../identity/sessions/route-auth.ts';
import { IdSchema } from '../platform/identifier-schemas.ts';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { Erasure } from './erasure/erasure.service.ts';
import type { MyData } from './my-data/my-data.service.ts';

export interface PrivacyRouteDeps {
  auth: RouteAuth;
  myData: MyData;
  erasure: Erasure;
}

const FieldValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]);
/** What a customer may correct themself: every field but the organisation's own account ID. */
const correctable = ['name', 'phone', 'email', 'national_id', 'address', 'birth_date'] as const;
const Correction = Type.Object(
  {
    changes: Type.Object(Object.fromEntries(correctable.map((f) => [f, Type.Optional(FieldValue)])), {
      additionalProperties: false,
      minProperties: 1,
    }),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'Refuse if changed since' })),
  },
  { additionalProperties: false },
);
const OwnRecord = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer(),
    fields: Type.Record(Type.String(), Type.String()),
    attributes: Type.Record(Type.String(), Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const Erased = Type.Object(
  {
    customerId: Type.String(),
    erasedAt: Type.String(),
    casesClosed: Type.Integer(),
    portalAccountErased: Type.Boolean(),
  },
  { additionalProperties: false, $id: 'CustomerErasure' },
);
const Hold = Type.Object(
  {
    customerId: Type.String(),
    held: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    placedAt: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'LegalHold' },
);
const CustomerParams = Type.Object({ customerId: IdSchema('The customer') });
const HoldBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why the data must be kept' }) },
  { additionalProperties: false },
);
const officer = ['ACCESS_DENIED', 'STEP_UP_REQUIRED', 'CUSTOMER_NOT_FOUND'] as const;

export async function privacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): Promise<void> {
  deps.auth.install(app, 'staff');

  app.get(
    '/v1/portal/me/data',
    {
      config: { auth: 'customer', errors: ['CUSTOMER_NOT_FOUND'] },
      schema: {
        operationId: 'getMyData',
        tags: ['portal'],
        summary: 'Your own record, in plaintext (the view is ledgered as yours)',
        response: { 200: OwnRecord },
      },
    },
    async (request) => deps.myData.view(sessionOf(request)),
  );

  app.patch<{ Body: Static<typeof Correction> }>(
    '/v1/portal/me/data',
    {
      config: {
        auth: 'customer',
        errors: ['CUSTOMER_NOT_FOUND', 'STEP_UP_REQUIRED', 'VERSION_CONFLICT', 'DUPLICATE_CUSTOMER'],
      },
      schema: {
        operationId: 'correctMyData',
        tags: ['portal'],
        summary: 'Correct your own fields (step-up); the old values are not kept',
        body: Correction,
        response: { 200: Type.Object({ version: Type.Integer() }, { additionalProperties: false }) },
      },
    },
    async (request) =>
      deps.myData.correct(sessionOf(request), request.body.changes, request.body.expectedVersion),
  );

  app.post(
    '/v1/portal/me/erasure',
    {
      config: { auth: 'customer', errors: ['CUSTOMER_NOT_FOUND', 'STEP_UP_REQUIRED', 'LEGAL_HOLD'] },
      schema: {
        operationId: 'eraseMyData',
        tags: ['portal'],
        summary: 'Erase your data (step-up): your key is destroyed, backups included; your account ends',
        response: { 200: Erased },
      },
    },
    async (request) => deps.erasure.eraseSelf(sessionOf(request)),
  );

  app.post<{ Params: Static<typeof CustomerParams> }>(
    '/v1/customers/:customerId/erasure',
    {
      config: { errors: [...officer, 'LEGAL_HOLD'] },
      schema: {
        operationId: 'eraseCustomer',
        tags: ['privacy'],
        summary: "Erase a customer's data on their request (privacy officer, step-up)",
        params: CustomerParams,
        response: { 200: Erased },
      },
    },
    async (request) => deps.erasure.eraseByOfficer(principalOf(request), request.params.customerId),
  );

  app.get<{ Params: Static<typeof CustomerParams> }>(
    '/v1/customers/:customerId/legal-hold',
    {
      config: { errors: ['ACCESS_DENIED', 'CUSTOMER_NOT_FOUND'] },
      schema: {
        operationId: 'getLegalHold',
        tags: ['privacy'],
        summary: 'Whether a customer is under a legal hold, and why (privacy officer)',
        params: CustomerParams,
        response: { 200: Hold },
      },
    },
    async (request) => deps.erasure.holdOf(principalOf(request), request.params.customerId),
  );

  app.put<{ Params: Static<typeof CustomerParams>; Body: Static<typeof HoldBody> }>(
    '/v1/customers/:customerId/legal-hold',
    {
      config: { errors: [...officer] },
      schema: {
        operationId: 'placeLegalHold',
        tags: ['privacy'],
        summary: 'Place a legal hold with its reason: erasure is refused until it is lifted (step-up)',
        params: CustomerParams,
        body: HoldBody,
        response: { 200: Hold },
      },
    },
    async (request) =>
      deps.erasure.placeHold(principalOf(request), request.params.customerId, request.body.reason),
  );

  app.delete<{ Params: Static<typeof CustomerParams> }>(
    '/v1/customers/:customerId/legal-hold',
    {
      config: { errors: [...officer, 'NOT_FOUND'] },
      schema: {
        operationId: 'liftLegalHold',
        tags: ['privacy'],
        summary: 'Lift a legal hold (step-up)',
        params: CustomerParams,
        response: { 200: Hold },
      },
    },
    async (request) => deps.erasure.liftHold(principalOf(request), request.params.customerId),
  );
}
