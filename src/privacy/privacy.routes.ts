/**
 * The privacy module's routes, one plugin (the customer's own portal session by default): the customer's
 * access history with its proofs.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { AccessHistoryService } from './history/access-history.ts';
import { historyRoutes } from './history/history.routes.ts';

export interface PrivacyRouteDeps {
  auth: RouteAuth;
  history: AccessHistoryService;
}

export async function privacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): Promise<void> {
  deps.auth.install(app, 'customer');
  historyRoutes(app, deps);
}
