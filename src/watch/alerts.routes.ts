/** HTTP routes of security alerts: what the security centre reads. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import type { Alerts } from './alerts.service.ts';

export function alertRoutes(app: FastifyInstance, deps: { alerts: Pick<Alerts, 'listOpen'> }) {
  app.get(
    '/v1/alerts',
    { schema: { tags: ['security'], summary: 'Open security alerts' } },
    async (request) => ({ alerts: await deps.alerts.listOpen(principalOf(request)) }),
  );
}
