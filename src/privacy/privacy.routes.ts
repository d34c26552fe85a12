/**
 * The privacy module's routes, one plugin (the customer's own portal session by default): the customer's
 * access history with its proofs; people's requests about their data (filed by the customer, decided by
 * staff sessions, which those routes declare).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { AccessHistoryService } from './history/access-history.ts';
import { historyRoutes } from './history/history.routes.ts';
import { privacyRequestRoutes } from './requests/requests.routes.ts';
import type { Requests } from './requests/requests.service.ts';

export interface PrivacyRouteDeps {
  auth: RouteAuth;
  history: AccessHistoryService;
  requests: Requests;
}

export async function privacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): Promise<void> {
  deps.auth.install(app, 'customer');
  historyRoutes(app, deps);
  privacyRequestRoutes(app, deps);
}
