/** The watch module's routes, one plugin: security alerts (staff sessions, security role by policy). */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import { alertRoutes } from './alerts.routes.ts';
import type { Alerts } from './alerts.service.ts';

export interface WatchRouteDeps {
  auth: RouteAuth;
  alerts: Alerts;
}

export async function watchRoutes(app: FastifyInstance, deps: WatchRouteDeps): Promise<void> {
  deps.auth.install(app, 'staff');
  alertRoutes(app, deps);
}
