/**
 * Portal requests over HTTP: the signed-in customer asks to be contacted (`/v1/portal/requests`, the
 * customer's own session: there is no customer id to give); staff see the open requests for their site,
 * masked, and take one by opening a case with `portalRequestId` (cases.routes.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { SiteSchema } from './appointments.routes.ts';
import { portalRequestTopics } from './portal-requests.store.ts';
import type { PortalRequests } from './portal-requests.service.ts';

const NewRequest = Type.Object(
  {
    topic: Type.Union(
      portalRequestTopics.map((t) => Type.Literal(t)),
      { description: 'What the request is about' },
    ),
    note: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'In your words; sealed, staff do not see it in the queue',
      }),
    ),
    site: Type.Optional(SiteSchema),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { status: Type.Optional(Type.Literal('open')) },
  { additionalProperties: false },
);
const RequestView = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    topic: Type.String(),
    site: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    expiresAt: Type.String(),
  },
  { additionalProperties: false },
);

export function portalRequestRoutes(app: FastifyInstance, deps: { portalRequests: PortalRequests }) {
  app.post<{ Body: Static<typeof NewRequest> }>(
    '/v1/portal/requests',
    {
      config: { auth: 'customer', errors: ['RATE_LIMITED'] },
      schema: {
        operationId: 'createPortalRequest',
        tags: ['portal'],
        summary: 'Ask staff to contact you about a topic: it shows you started what they do for it',
        body: NewRequest,
        response: { 201: Type.Object({ requestId: Type.String() }, { additionalProperties: false }) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await deps.portalRequests.create(sessionOf(request).actor, request.body)),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/portal-requests',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPortalRequests',
        tags: ['cases'],
        summary: 'Open portal requests for your site (masked): take one by opening a case with its id',
        querystring: ListQuery,
        response: { 200: Type.Object({ requests: Type.Array(RequestView) }) },
      },
    },
    async (request) => ({ requests: await deps.portalRequests.openFor(principalOf(request)) }),
  );
}
