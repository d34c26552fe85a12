/**
 * The Fastify app: error mapping, OpenAPI (`/openapi.json`, `/docs`), health, metrics, and each module's
 * route plugin, mounted in its own encapsulated context. Built from an explicit list of plugins and checks,
 * never from config or the composition root, so tests drive it with `app.inject()` and no module depends on
 * `http/`.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { uuidv7 } from '../platform/ids.ts';
import type { Logger } from '../platform/logger.ts';
import { installErrorHandling } from './error-handler.ts';
import { healthRoutes, type ReadinessChecks } from './health.routes.ts';
import { installMetrics } from './metrics.ts';

/** One module's route plugin with the services it needs, ready to mount. */
export interface MountedRoutes {
  plugin: (app: FastifyInstance, options: never) => Promise<void>;
  options: object;
}

/** Pairs a route plugin with its options, type-checked against each other. */
export function mount<O extends object>(
  plugin: (app: FastifyInstance, options: O) => Promise<void>,
  options: O,
): MountedRoutes {
  return { plugin: plugin as MountedRoutes['plugin'], options };
}

export interface ServerDeps {
  logger: Logger;
  /** What `/readyz` checks. */
  readiness: ReadinessChecks;
  /** Every module's route plugin, mounted in this order. */
  routes: readonly MountedRoutes[];
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => uuidv7(),
    bodyLimit: 1 << 20,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  installErrorHandling(app);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Custos',
        version: '0.1.0',
        description: 'Customer personal-data vault: sealed fields, masked views, exact blind-index search.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'An admin API token (cst_…)' },
          staffSession: { type: 'http', scheme: 'bearer', description: 'A staff session token (css_…)' },
          staffCookie: { type: 'apiKey', in: 'cookie', name: 'custos_session' },
          customerSession: {
            type: 'http',
            scheme: 'bearer',
            description: 'A customer session token (css_…)',
          },
          customerCookie: { type: 'apiKey', in: 'cookie', name: 'custos_portal_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  installMetrics(app);
  healthRoutes(app, deps.readiness);
  for (const { plugin, options } of deps.routes) await app.register(plugin, options as never);
  await app.ready();
  return app;
}
