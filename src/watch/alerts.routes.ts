/** HTTP routes of security alerts: what the security centre reads. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import type { Alerts } from './alerts.service.ts';

const AlertSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    severity: Type.String(),
    staffId: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()]),
    data: Type.Object({}, { additionalProperties: true, description: 'What the watch saw; depends on kind' }),
    createdAt: Type.String(),
  },
  { additionalProperties: false },
);

export function alertRoutes(app: FastifyInstance, deps: { alerts: Pick<Alerts, 'listOpen'> }) {
  app.get(
    '/v1/alerts',
    {
      config: { errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listOpenAlerts',
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }, { additionalProperties: false }) },
        tags: ['security'],
        summary: 'Open security alerts',
      },
    },
    async (request) => ({ alerts: await deps.alerts.listOpen(principalOf(request)) }),
  );
}
