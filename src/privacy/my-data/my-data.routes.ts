/**
 * My data and correction over HTTP, for the signed-in customer (portal realm, second factor done): their own
 * record in plaintext, and corrections to it (fresh step-up). No customer id in the path: the session names
 * them, so no one can ask for another's.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import type { MyData } from './my-data.service.ts';

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
export function myDataRoutes(app: FastifyInstance, deps: { myData: MyData }): void {
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
}
