/** HTTP routes of security alerts: what the security centre reads (staff named by pseudonym). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import type { Alerts, AlertStatus } from './alerts.service.ts';
import { alertStatuses } from './alerts.types.ts';

const Pseudonym = (description: string) =>
  Type.String({
    description: `${description}: a pseudonym (\`staff-\` and 10 base32 characters) unless pseudonyms are off`,
  });

export const AlertSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    severity: Type.String(),
    status: Type.Union(alertStatuses.map((s) => Type.Literal(s))),
    staff: Pseudonym('The staff member the alert is about'),
    subject: Type.Union([Type.String(), Type.Null()]),
    data: Type.Object({}, { additionalProperties: true, description: 'What the watch saw; depends on kind' }),
    createdAt: Type.String(),
    assignee: Type.Union([Pseudonym('Who triages it'), Type.Null()]),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    decidedBy: Type.Union([Pseudonym('Who decided it'), Type.Null()]),
    falsePositive: Type.Union([Type.Boolean(), Type.Null()]),
  },
  { additionalProperties: false },
);

const FeedbackSchema = Type.Object(
  {
    kind: Type.String(),
    indicator: Type.Optional(Type.String({ description: "A risk_tier alert's top indicator" })),
    confirmed: Type.Integer(),
    falsePositives: Type.Integer(),
    suggestedFactor: Type.Number({
      minimum: 1,
      maximum: 2,
      description:
        '1 + 0.1 × (falsePositives − confirmed), within [1, 2]: what the watcher may raise the threshold by',
    }),
  },
  { additionalProperties: false },
);

export function alertRoutes(app: FastifyInstance, deps: { alerts: Pick<Alerts, 'list' | 'feedbackFor'> }) {
  app.get<{ Querystring: { status?: AlertStatus } }>(
    '/v1/alerts',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listOpenAlerts',
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Union(
                alertStatuses.map((s) => Type.Literal(s)),
                { description: 'Only alerts in this status (default: open and assigned ones)' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }, { additionalProperties: false }) },
        tags: ['security'],
        summary: 'Security alerts, undecided ones by default (staff by pseudonym)',
      },
    },
    async (request) => ({ alerts: await deps.alerts.list(principalOf(request), request.query.status) }),
  );

  app.get(
    '/v1/alerts/feedback',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'getAlertFeedback',
        response: {
          200: Type.Object({ feedback: Type.Array(FeedbackSchema) }, { additionalProperties: false }),
        },
        tags: ['security'],
        summary: "Security's verdicts per alert kind and indicator, and the threshold factor they suggest",
      },
    },
    async (request) => ({ feedback: await deps.alerts.feedbackFor(principalOf(request)) }),
  );
}
