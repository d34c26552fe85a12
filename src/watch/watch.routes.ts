/**
 * The watch module's routes, one plugin (staff sessions): security alerts and their triage (security role,
 * by policy), the review of suspensions, and each staff member's own risk standing.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import { alertRoutes } from './alerts.routes.ts';
import type { Alerts } from './alerts.service.ts';
import { markRoutes } from './marks/marks.routes.ts';
import type { Marks } from './marks/marks.service.ts';
import { riskRoutes } from './risk.routes.ts';
import { suspensionRoutes } from './suspensions/suspensions.routes.ts';
import type { Suspensions } from './suspensions/suspensions.service.ts';
import { triageRoutes } from './triage/triage.routes.ts';
import type { Triage } from './triage/triage.service.ts';
import type { Watcher } from './watcher.service.ts';

export interface WatchRouteDeps {
  auth: RouteAuth;
  alerts: Alerts;
  watcher: Pick<Watcher, 'assess'>;
  suspensions: Suspensions;
  marks: Marks;
  triage: Triage;
}

export async function watchRoutes(app: FastifyInstance, deps: WatchRouteDeps): Promise<void> {
  deps.auth.install(app, 'staff');
  alertRoutes(app, deps);
  triageRoutes(app, deps);
  riskRoutes(app, deps);
  suspensionRoutes(app, deps);
  markRoutes(app, deps);
}
