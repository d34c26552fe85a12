/**
 * HTTP routes for what sits beside the cases: break-glass and its review, security alerts, four-eyes
 * exports and per-staff quota overrides.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type AccessRouteDeps, principal, security } from '../route-context.ts';
import type { Alerts } from '../../watch/alerts.service.ts';
import type { BreakGlass } from './break-glass.service.ts';
import { CaseSchema } from '../cases/cases.routes.ts';
import type { Exports } from '../exports/exports.service.ts';
import type { AccessGate } from '../access-gate.ts';
import { MAX_QUOTA_OVERRIDE, type QuotaOverrides } from '../quotas/quota-overrides.service.ts';

const Id = Type.String({ maxLength: 64 });
const IdParams = Type.Object({ id: Id });
const BreakGlassBody = Type.Object(
  { customerId: Id, purpose: Type.String({ maxLength: 32 }), reason: Type.String({ maxLength: 500 }) },
  { additionalProperties: false },
);
const Review = Type.Object({ outcome: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
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
const QuotaParams = Type.Object({ staffId: Id, quota: Type.String({ maxLength: 32 }) });
const QuotaBody = Type.Object(
  { max: Type.Integer({ minimum: 0, maximum: MAX_QUOTA_OVERRIDE }) },
  { additionalProperties: false },
);

export function oversightRoutes(
  app: FastifyInstance,
  deps: AccessRouteDeps & {
    breakGlass: BreakGlass;
    alerts: Alerts;
    exports: Exports;
    quotaOverrides: QuotaOverrides;
    gate: AccessGate;
  },
) {
  const { breakGlass, alerts, exports, staffSession } = deps;
  const p = (request: Parameters<typeof principal>[1]) => principal(deps, request);

  app.post<{ Body: Static<typeof BreakGlassBody> }>(
    '/v1/break-glass',
    {
      preValidation: staffSession,
      schema: {
        tags: ['break-glass'],
        security,
        summary: 'Emergency access without a case: reason, step-up, alert to security, review within 24 h',
        body: BreakGlassBody,
        response: { 201: CaseSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await breakGlass.open(await p(request), request.body)),
  );

  app.get(
    '/v1/break-glass/reviews',
    {
      preValidation: staffSession,
      schema: { tags: ['break-glass'], security, summary: 'Break-glass cases awaiting review (security)' },
    },
    async (request) => ({ reviews: await breakGlass.pendingReviews(await p(request)) }),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Review> }>(
    '/v1/break-glass/:id/review',
    {
      preValidation: staffSession,
      schema: {
        tags: ['break-glass'],
        security,
        summary: 'Review a break-glass: justified or unjustified',
        params: IdParams,
        body: Review,
      },
    },
    async (request, reply) => {
      await breakGlass.review(await p(request), request.params.id, request.body.outcome);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/alerts',
    {
      preValidation: staffSession,
      schema: { tags: ['security'], security, summary: 'Open security alerts' },
    },
    async (request) => {
      await deps.gate.require(
        await p(request),
        {
          action: 'alert_read',
          caseRelation: 'none',
          customerPresent: false,
          breakGlass: false,
          secondApprover: false,
        },
        {},
      );
      return { alerts: await alerts.open() };
    },
  );

  app.post<{ Body: Static<typeof ExportBody> }>(
    '/v1/exports',
    {
      preValidation: staffSession,
      schema: {
        tags: ['exports'],
        security,
        summary: 'Request an export (a second person must approve)',
        body: ExportBody,
      },
    },
    async (request, reply) => reply.status(201).send(await exports.request(await p(request), request.body)),
  );

  app.get(
    '/v1/exports/pending',
    {
      preValidation: staffSession,
      schema: { tags: ['exports'], security, summary: 'Exports awaiting a decision (security)' },
    },
    async (request) => ({ exports: await exports.pending(await p(request)) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id',
    {
      preValidation: staffSession,
      schema: { tags: ['exports'], security, summary: 'An export request', params: IdParams },
    },
    async (request) => exports.get(await p(request), request.params.id),
  );

  for (const [verb, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(
      `/v1/exports/:id/${verb}`,
      {
        preValidation: staffSession,
        schema: {
          tags: ['exports'],
          security,
          summary: `${verb} an export (security, not the requester, step-up)`,
          params: IdParams,
        },
      },
      async (request) => exports.decide(await p(request), request.params.id, approve),
    );
  }

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/exports/:id/run',
    {
      preValidation: staffSession,
      config: { customerData: true },
      schema: {
        tags: ['exports'],
        security,
        summary: 'Run your approved export, once (step-up)',
        params: IdParams,
      },
    },
    async (request) => exports.run(await p(request), request.params.id),
  );

  app.put<{ Params: Static<typeof QuotaParams>; Body: Static<typeof QuotaBody> }>(
    '/v1/staff/:staffId/quotas/:quota',
    {
      preValidation: staffSession,
      schema: {
        tags: ['staff'],
        security,
        summary: "Override one of a staff member's quotas (admin)",
        params: QuotaParams,
        body: QuotaBody,
      },
    },
    async (request, reply) => {
      const { staffId, quota } = request.params;
      await deps.quotaOverrides.setOverrideAs(await p(request), staffId, quota, request.body.max);
      return reply.status(204).send();
    },
  );
}
