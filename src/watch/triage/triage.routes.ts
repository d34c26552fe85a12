/** HTTP routes of alert triage: an alert's detail and timeline, assign, confirm, dismiss, unmask (security). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../identity/sessions/principal.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import { AlertSchema } from '../alerts.routes.ts';
import type { Triage } from './triage.service.ts';

const Params = Type.Object({ alertId: IdSchema('The alert') });
const Reason = Type.String({
  minLength: 10,
  maxLength: 500,
  description: 'Why (about the staff member, never a customer)',
});
const Decided = [
  'ACCESS_DENIED',
  'STEP_UP_REQUIRED',
  'SAME_PERSON',
  'NOT_FOUND',
  'ALERT_ALREADY_DECIDED',
] as const;

const TimelineItem = Type.Object(
  {
    type: Type.String(),
    at: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()]),
    caseId: Type.Optional(Type.String()),
    evidence: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.String(), { description: 'Field names only' })),
  },
  { additionalProperties: false },
);

const Detail = Type.Composite(
  [
    AlertSchema,
    Type.Object({
      reason: Type.Union([Type.String(), Type.Null()]),
      investigationId: Type.Union([Type.String(), Type.Null()]),
      decisionLedgered: Type.Union([Type.Boolean(), Type.Null()], {
        description:
          'The decision has its ledger entry (false: edited into the database); null while undecided',
      }),
      timeline: Type.Array(TimelineItem, {
        description:
          "The staff member's ledgered acts from 7 days before the alert, oldest first (at most 200)",
      }),
    }),
  ],
  { additionalProperties: false },
);

type WithParams<B = undefined> = { Params: { alertId: string }; Body: B };

export function triageRoutes(app: FastifyInstance, deps: { triage: Triage }) {
  app.get<WithParams>(
    '/v1/alerts/:alertId',
    {
      config: { errors: ['ACCESS_DENIED', 'SAME_PERSON', 'NOT_FOUND'] },
      schema: {
        operationId: 'getAlert',
        tags: ['security'],
        summary: "An alert with its evidence and the staff member's acts around it (staff by pseudonym)",
        params: Params,
        response: { 200: Detail },
      },
    },
    async (request) => deps.triage.detail(principalOf(request), request.params.alertId),
  );

  app.post<WithParams<{ assignee: string }>>(
    '/v1/alerts/:alertId/assign',
    {
      config: { errors: [...Decided] },
      schema: {
        operationId: 'assignAlert',
        tags: ['security'],
        summary: 'Give an undecided alert to a security colleague (step-up, not about yourself)',
        params: Params,
        body: Type.Object({ assignee: IdSchema('A security staff member') }, { additionalProperties: false }),
        response: { 204: { type: 'null', description: 'Assigned' } },
      },
    },
    async (request, reply) => {
      await deps.triage.assign(principalOf(request), request.params.alertId, request.body.assignee);
      return reply.status(204).send();
    },
  );

  app.post<WithParams<{ reason: string }>>(
    '/v1/alerts/:alertId/confirm',
    {
      config: { errors: [...Decided] },
      schema: {
        operationId: 'confirmAlert',
        tags: ['security'],
        summary: 'Confirm an alert, opening an investigation (step-up, decided once, not about yourself)',
        params: Params,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: {
          201: Type.Object({ investigationId: Type.String() }, { additionalProperties: false }),
        },
      },
    },
    async (request, reply) => {
      const investigationId = await deps.triage.confirm(
        principalOf(request),
        request.params.alertId,
        request.body.reason,
      );
      return reply.status(201).send({ investigationId });
    },
  );

  app.post<WithParams<{ reason: string; falsePositive: boolean }>>(
    '/v1/alerts/:alertId/dismiss',
    {
      config: { errors: [...Decided] },
      schema: {
        operationId: 'dismissAlert',
        tags: ['security'],
        summary: 'Dismiss an alert, saying whether it was a false positive (step-up, decided once)',
        params: Params,
        body: Type.Object(
          {
            reason: Reason,
            falsePositive: Type.Boolean({ description: 'The watch was wrong (feeds its thresholds)' }),
          },
          { additionalProperties: false },
        ),
        response: { 204: { type: 'null', description: 'Dismissed' } },
      },
    },
    async (request, reply) => {
      await deps.triage.dismiss(
        principalOf(request),
        request.params.alertId,
        request.body.reason,
        request.body.falsePositive,
      );
      return reply.status(204).send();
    },
  );

  app.post<WithParams<{ reason: string }>>(
    '/v1/alerts/:alertId/unmask',
    {
      config: { errors: ['ACCESS_DENIED', 'STEP_UP_REQUIRED', 'SAME_PERSON', 'NOT_FOUND'] },
      schema: {
        operationId: 'unmaskAlertStaff',
        tags: ['security'],
        summary: "Who an alert's pseudonym stands for, with a reason (step-up, ledgered, not yourself)",
        params: Params,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { staffId: Type.String(), displayName: Type.String() },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (request) => deps.triage.unmask(principalOf(request), request.params.alertId, request.body.reason),
  );
}
