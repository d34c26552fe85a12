/**
 * Liveness and readiness. `/healthz` says the process answers; `/readyz` says it can serve: the database
 * answers and the master key still opens the keyring. A node that is not ready must get no traffic.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toCustosError } from './error-handler.ts';

const tags = ['operations'];
/** Anyone may ask: load balancers carry no credentials. */
const open = { auth: 'public' } as const;
const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Record(Type.String(), Type.String(), {
      description: "Each check's outcome: `ok`, or the error code that failed it",
    }),
  },
  { additionalProperties: false },
);

export interface ReadinessChecks {
  database(): Promise<void>;
  keyring(): Promise<void>;
}

export function healthRoutes(app: FastifyInstance, checks: ReadinessChecks): void {
  app.get(
    '/healthz',
    {
      config: open,
      schema: {
        operationId: 'checkLiveness',
        tags,
        summary: 'Liveness',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: open,
      schema: {
        operationId: 'checkReadiness',
        tags,
        summary: 'Readiness: database and keyring',
        security: [],
        response: {
          200: { ...Readiness, description: 'Ready to serve' },
          503: { ...Readiness, description: 'Not ready: send no traffic here' },
        },
      },
    },
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
