/**
 * The compliance module's routes, one plugin (staff sessions): records of processing and access statistics
 * (`compliance_read`: security and administrators by default), and opening a breach incident
 * (`incident_open`: security), which answers the affected customers by id, the deadlines and the notices'
 * drafts.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import { IdSchema } from '../platform/identifier-schemas.ts';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { Compliance } from './compliance.service.ts';
import { recordsAsMarkdown } from './records-of-processing.ts';

const Strings = Type.Array(Type.String());
const Records = Type.Object(
  {
    jurisdiction: Type.String(),
    generatedAt: Type.String(),
    controller: Type.String(),
    ledgerRetentionFloorDays: Type.Integer(),
    categories: Type.Array(
      Type.Object({
        field: Type.String(),
        category: Type.String(),
        sensitivity: Type.String(),
        purposes: Type.Array(
          Type.Object({ purpose: Type.String(), description: Type.String(), legalBasis: Type.String() }),
        ),
        roles: Type.Object({
          reveal: Type.Array(Type.Object({ role: Type.String(), purposes: Strings })),
          breakGlass: Strings,
          masked: Strings,
        }),
        retention: Type.String(),
        recipients: Strings,
      }),
    ),
  },
  { additionalProperties: false },
);
const Period = Type.Object(
  {
    from: Type.String({ description: 'ISO date or date-time (UTC when no zone is given)', maxLength: 40 }),
    to: Type.Optional(Type.String({ description: 'ISO date or date-time; default: now', maxLength: 40 })),
  },
  { additionalProperties: false },
);
const Statistics = Type.Object({
  from: Type.String(),
  to: Type.String(),
  rows: Type.Array(
    Type.Object({
      role: Type.String(),
      site: Type.String(),
      purpose: Type.String(),
      views: Type.Integer(),
      reveals: Type.Integer(),
      exports: Type.Integer(),
      searchHits: Type.Integer(),
    }),
  ),
});
const NewIncident = Type.Object(
  {
    staffId: IdSchema('The staff member whose accesses the breach is about'),
    from: Type.String({ maxLength: 40, description: 'Start of the period (ISO date or date-time)' }),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'End of the period; default: now' })),
    knownAt: Type.Optional(
      Type.String({ maxLength: 40, description: 'When the breach became known; default: now' }),
    ),
  },
  { additionalProperties: false },
);
const Deadline = Type.Object({ dueAt: Type.String(), immediately: Type.Boolean(), basis: Type.String() });
const Incident = Type.Object({
  incidentId: Type.String(),
  staffId: Type.String(),
  jurisdiction: Type.String(),
  from: Type.String(),
  to: Type.String(),
  knownAt: Type.String(),
  customers: Type.Array(Type.String(), { description: 'The affected customers, by id' }),
  accesses: Type.Record(Type.String(), Type.Integer()),
  fields: Strings,
  deadlines: Type.Object({ regulator: Deadline, customers: Deadline }),
  notices: Type.Object({ regulator: Type.String(), customer: Type.String() }),
});

export interface ComplianceRouteDeps {
  auth: RouteAuth;
  compliance: Compliance;
}

export async function complianceRoutes(app: FastifyInstance, deps: ComplianceRouteDeps): Promise<void> {
  deps.auth.install(app, 'staff');

  app.get(
    '/v1/compliance/records-of-processing',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'getRecordsOfProcessing',
        tags: ['compliance'],
        summary:
          'Records of processing: per data category, purposes, legal bases, roles, retention, recipients',
        response: {
          200: Type.Object({ records: Records, markdown: Type.String() }, { additionalProperties: false }),
        },
      },
    },
    async (request) => {
      const records = await deps.compliance.recordsOfProcessing({ principal: principalOf(request) });
      return { records, markdown: recordsAsMarkdown(records) };
    },
  );

  app.get<{ Querystring: Static<typeof Period> }>(
    '/v1/compliance/access-statistics',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'getAccessStatistics',
        tags: ['compliance'],
        summary:
          'Views, reveals, exports and search hits in a period per role, site and purpose (counts only)',
        querystring: Period,
        response: { 200: Statistics },
      },
    },
    async (request) => deps.compliance.statistics({ principal: principalOf(request) }, request.query),
  );

  app.post<{ Body: Static<typeof NewIncident> }>(
    '/v1/incidents',
    {
      config: { errors: ['ACCESS_DENIED', 'STEP_UP_REQUIRED', 'STAFF_NOT_FOUND'] },
      schema: {
        operationId: 'openIncident',
        tags: ['compliance'],
        summary:
          "Open a breach incident about a staff member's accesses (fresh step-up): affected customers, deadlines, notice drafts",
        body: NewIncident,
        response: { 201: Incident },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await deps.compliance.openIncident({ principal: principalOf(request) }, request.body)),
  );
}
