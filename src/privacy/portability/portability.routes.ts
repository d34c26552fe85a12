/**
 * Portability over HTTP: the signed-in customer downloads their data as JSON or CSV; anyone can read the
 * JSON Schema the JSON export validates against.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { PortabilityExport, publishedExportSchema } from './export-schema.ts';
import { type Portability, portabilityFormats } from './portability.service.ts';

const ExportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        portabilityFormats.map((f) => Type.Literal(f)),
        { description: 'json (the default, see /v1/portal/export-schema.json) or csv' },
      ),
    ),
  },
  { additionalProperties: false },
);

export function portabilityRoutes(app: FastifyInstance, deps: { portability: Portability }): void {
  const schema = publishedExportSchema();

  app.get<{ Querystring: Static<typeof ExportQuery> }>(
    '/v1/portal/me/export',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'exportOwnData',
        tags: ['portal'],
        summary: 'Your data to take away (JSON or CSV); `custos import` reads either back',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'Your data',
            content: {
              'application/json': { schema: PortabilityExport },
              'text/csv': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await deps.portability.exportOwn(
        sessionOf(request).actor,
        request.query.format ?? 'json',
      );
      void reply.header('content-disposition', `attachment; filename="my-data.${result.format}"`);
      if (result.format === 'csv') return reply.type('text/csv; charset=utf-8').send(result.text);
      return reply.type('application/json; charset=utf-8').send(result.document);
    },
  );

  app.get(
    '/v1/portal/export-schema.json',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getExportSchema',
        tags: ['portal'],
        summary: 'The JSON Schema (draft-07) of the portability export',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (_request, reply) => reply.type('application/schema+json').send(JSON.stringify(schema)),
  );
}
