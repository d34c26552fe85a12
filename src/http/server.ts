/**
 * The Fastify app: error mapping, OpenAPI (`/openapi.json`, `/docs`, `openapi.ts`), health, metrics, and each module's
 * route plugin, mounted in its own encapsulated context. Built from an explicit list of plugins and checks,
 * never from config or the composition root, so tests drive it with `app.inject()` and no module depends on
 * `http/`.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { uuidv7 } from '../platform/ids.ts';
import type { Logger } from '../platform/logger.ts';
import { answerFrameworkError, installErrorHandling } from './error-handler.ts';
import { healthRoutes, type ReadinessChecks } from './health.routes.ts';
import { installInputGuard } from './input-guard.ts';
import { installMetrics } from './metrics.ts';
import { installOpenApi } from './openapi.ts';

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
  /** Where clients reach Custos (`CUSTOS_PUBLIC_ORIGIN`): the OpenAPI document's server; default `/`. */
  publicOrigin?: string;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => uuidv7(),
    bodyLimit: 1 << 20,
    // Path parameters are bounded by each route's schema (a passkey's credential ID may be 1,024 characters);
    // the router's own limit only stops absurd URLs, answered by `answerFrameworkError` like any bad input.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerFrameworkError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  installErrorHandling(app);
  await app.register(cookie);
  installInputGuard(app);
  await installOpenApi(app, { publicOrigin: deps.publicOrigin });
  installMetrics(app);
  healthRoutes(app, deps.readiness);
  for (const { plugin, options } of deps.routes) await app.register(plugin, options as never);
  await app.ready();
  return app;
}
