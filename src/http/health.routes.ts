/**
 * Liveness and readiness. `/healthz` says the process answers; `/readyz` says it can serve: the database
 * answers and the master key still opens the keyring. A node that is not ready must get no traffic.
 */
import type { FastifyInstance } from 'fastify';
import { toCustosError } from './error-handler.ts';

export interface ReadinessChecks {
  database(): Promise<void>;
  keyring(): Promise<void>;
}

export function healthRoutes(app: FastifyInstance, checks: ReadinessChecks): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: database and keyring' } },
    async (_req, reply) => {
      const results: Record<string, string> = {};
      let ready = true;
      for (const [name, check] of Object.entries(checks)) {
        try {
          await check();
          results[name] = 'ok';
        } catch (error) {
          ready = false;
          results[name] = toCustosError(error).code;
        }
      }
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'unavailable', checks: results });
    },
  );
}
