/**
 * The customer's consents over HTTP (portal, the customer's own session: there is no customer id to give):
 * read them, grant or withdraw one purpose, withdraw everything in one call.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../identity/sessions/route-auth.ts';
import { consentPurposes, type Consents } from './consents.service.ts';

export const ConsentStateSchema = Type.Object(
  {
    purpose: Type.Union(consentPurposes.map((p) => Type.Literal(p))),
    granted: Type.Boolean({ description: 'False until you grant it: no answer counts as a refusal' }),
    source: Type.Union([Type.String(), Type.Null()], {
      description: 'Where it was last set: portal or staff',
    }),
    updatedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
const Consents_ = Type.Object({ consents: Type.Array(ConsentStateSchema) }, { additionalProperties: false });
const PurposeParams = Type.Object(
  { purpose: Type.Union(consentPurposes.map((p) => Type.Literal(p))) },
  { additionalProperties: false },
);
const Choice = Type.Object({ granted: Type.Boolean() }, { additionalProperties: false });

export function consentRoutes(app: FastifyInstance, deps: { consents: Consents }): void {
  app.get(
    '/v1/portal/me/consents',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'listOwnConsents',
        tags: ['portal'],
        summary: 'Your consent for each purpose that needs one (marketing, third-party sharing, sale)',
        response: { 200: Consents_ },
      },
    },
    async (request) => ({ consents: await deps.consents.own(sessionOf(request).actor) }),
  );

  app.put<{ Params: Static<typeof PurposeParams>; Body: Static<typeof Choice> }>(
    '/v1/portal/me/consents/:purpose',
    {
      config: { auth: 'customer', errors: ['STEP_UP_REQUIRED'] },
      schema: {
        operationId: 'setOwnConsent',
        tags: ['portal'],
        summary: 'Grant (fresh step-up) or withdraw one purpose: in force at once for every export',
        params: PurposeParams,
        body: Choice,
        response: { 200: Consents_ },
      },
    },
    async (request) => ({
      consents: await deps.consents.setOwn(sessionOf(request), request.params.purpose, request.body.granted),
    }),
  );

  app.post(
    '/v1/portal/me/consents/withdraw-all',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'withdrawAllConsents',
        tags: ['portal'],
        summary: 'Withdraw every consent in one call ("do not sell or share"): in force at once',
        response: { 200: Consents_ },
      },
    },
    async (request) => ({ consents: await deps.consents.withdrawAll(sessionOf(request).actor) }),
  );
}
