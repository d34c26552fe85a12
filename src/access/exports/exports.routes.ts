/**
 * HTTP routes of exports, the one outbound gateway for many records: request, the second person's decision
 * (four eyes), and the requester's single run.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import type { Exports } from './exports.service.ts';

const Id = Type.String({ maxLength: 64 });
const IdParams = Type.Object({ id: Id });
const ExportBody = Type.Object(
  {
    kind: Type.String({ maxLength: 16 }),
    purpose: Type.String({ maxLength: 32 }),
    customerIds: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
    fields: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
    dimensions: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 3 })),
    k: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export function exportRoutes(app: FastifyInstance, deps: { exports: Exports }) {
  const { exports } = deps;

  app.post<{ Body: Static<typeof ExportBody> }>(
    '/v1/exports',
    {
      schema: {
        tags: ['exports'],
        summary: 'Request an export (a second person must approve)',
        body: ExportBody,
      },
    },
    async (request, reply) =>
      reply.status(201).send(await exports.request(principalOf(request), request.body)),
  );

  app.get(
    '/v1/exports/pending',
    {
      schema: { tags: ['exports'], summary: 'Exports awaiting a decision (security)' },
    },
    async (request) => ({ exports: await exports.pending(principalOf(request)) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id',
    {
      schema: { tags: ['exports'], summary: 'An export request', params: IdParams },
    },
    async (request) => exports.get(principalOf(request), request.params.id),
  );

  for (const [verb, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(
      `/v1/exports/:id/${verb}`,
      {
        schema: {
          tags: ['exports'],
          summary: `${verb} an export (not the requester, step-up)`,
          params: IdParams,
        },
      },
      async (request) => exports.decide(principalOf(request), request.params.id, approve),
    );
  }

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id/run',
    {
      config: { customerData: true },
      schema: {
        tags: ['exports'],
        summary: 'Run your approved export, once (step-up)',
        params: IdParams,
      },
    },
    async (request) => exports.run(principalOf(request), request.params.id),
  );
}
