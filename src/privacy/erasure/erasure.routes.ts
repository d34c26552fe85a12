/**
 * Erasure and legal holds over HTTP: the signed-in customer erases their own data (portal, fresh step-up, no
 * id to give); a privacy officer (staff; the policy's `customer_erase` and `legal_hold`) erases a customer
 * and places or lifts legal holds (fresh step-up to change anything).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { Erasure } from './erasure.service.ts';

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

export function erasureRoutes(app: FastifyInstance, deps: { erasure: Erasure }): void {
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
      config: { auth: 'staff', errors: [...officer, 'LEGAL_HOLD'] },
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
      config: { auth: 'staff', errors: ['ACCESS_DENIED', 'CUSTOMER_NOT_FOUND'] },
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
      config: { auth: 'staff', errors: [...officer] },
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
      config: { auth: 'staff', errors: [...officer, 'NOT_FOUND'] },
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
