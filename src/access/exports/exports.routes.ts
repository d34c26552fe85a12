/**
 * HTTP routes of exports, the one outbound gateway for many records: request, the second person's decision
 * (four eyes), and the requester's single run.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { ExportResultSchema, ExportViewSchema } from './exports.schemas.ts';
import type { Exports } from './exports.service.ts';

const Id = IdSchema();
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
      config: {
        errors: [
          'STEP_UP_REQUIRED',
          'ACCESS_DENIED',
          'TRAINING_REQUIRED',
          'PRIVACY_BUDGET_EXHAUSTED',
          'EXPORT_CAP_EXCEEDED',
        ],
      },
      schema: {
        operationId: 'requestExport',
        response: { 201: ExportViewSchema },
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
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listPendingExports',
        response: {
          200: Type.Object({ exports: Type.Array(ExportViewSchema) }, { additionalProperties: false }),
        },
        tags: ['exports'],
        summary: 'Exports awaiting a decision (security)',
      },
    },
    async (request) => ({ exports: await exports.pending(principalOf(request)) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id',
    {
      config: { errors: ['EXPORT_NOT_FOUND', 'ACCESS_DENIED'] },
      schema: {
        operationId: 'getExport',
        response: { 200: ExportViewSchema },
        tags: ['exports'],
        summary: 'An export request',
        params: IdParams,
      },
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
        config: {
          errors: [
            'STEP_UP_REQUIRED',
            'ACCESS_DENIED',
            'SAME_PERSON',
            'APPROVER_NOT_INDEPENDENT',
            'APPROVER_COOLING_OFF',
            'EXPORT_NOT_FOUND',
            'EXPORT_NOT_PENDING',
            'EXPORT_CAP_EXCEEDED',
          ],
        },
        schema: {
          operationId: `${verb}Export`,
          response: { 200: ExportViewSchema },
          tags: ['exports'],
          summary: `${verb} an export (security, independent of the requester; step-up; a large export needs a quorum)`,
          params: IdParams,
        },
      },
      async (request) => exports.decide(principalOf(request), request.params.id, approve),
    );
  }

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id/run',
    {
      config: {
        customerData: true,
        errors: [
          'STEP_UP_REQUIRED',
          'ACCESS_DENIED',
          'TRAINING_REQUIRED',
          'APPROVAL_REQUIRED',
          'EXPORT_NOT_FOUND',
          'EXPORT_NOT_PENDING',
          'PRIVACY_BUDGET_EXHAUSTED',
          'EXPORT_WAITING',
        ],
      },
      schema: {
        operationId: 'runExport',
        response: { 200: ExportResultSchema },
        tags: ['exports'],
        summary: 'Run your approved export, once (step-up)',
        params: IdParams,
      },
    },
    async (request) => exports.run(principalOf(request), request.params.id),
  );
}
