/**
 * The privacy module's routes, one plugin (the customer's own portal session by default): the customer's
 * access history with its proofs, consents, notice preference and portability export; my data, correction
 * and erasure; the export's published schema (public); the outbox's dead letters (security); erasure by a
 * privacy officer and legal holds (staff); people's requests about their data (filed by the customer,
 * decided by staff sessions, which those routes declare).
 */
import type { FastifyInstance } from 'fastify';
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { RouteAuth } from '../platform/route-auth.ts';
import { consentRoutes } from './consents.routes.ts';
import { erasureRoutes } from './erasure/erasure.routes.ts';
import type { Erasure } from './erasure/erasure.service.ts';
import type { Consents } from './consents.service.ts';
import type { AccessHistoryService } from './history/access-history.ts';
import { historyRoutes } from './history/history.routes.ts';
import { myDataRoutes } from './my-data/my-data.routes.ts';
import type { MyData } from './my-data/my-data.service.ts';
import { noticeRoutes } from './notices/notices.routes.ts';
import type { Notices } from './notices/notices.service.ts';
import type { Outbox } from './outbox/outbox.service.ts';
import { portabilityRoutes } from './portability/portability.routes.ts';
import type { Portability } from './portability/portability.service.ts';
import { privacyRequestRoutes } from './requests/requests.routes.ts';
import type { Requests } from './requests/requests.service.ts';

export interface PrivacyRouteDeps {
  auth: RouteAuth;
  history: AccessHistoryService;
  consents: Consents;
  notices: Notices;
  outbox: Pick<Outbox, 'deadLetters'>;
  portability: Portability;
  myData: MyData;
  erasure: Erasure;
  authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
  requests: Requests;
}

export async function privacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): Promise<void> {
  deps.auth.install(app, 'customer');
  historyRoutes(app, deps);
  consentRoutes(app, deps);
  noticeRoutes(app, deps);
  portabilityRoutes(app, deps);
  myDataRoutes(app, deps);
  erasureRoutes(app, deps);
  privacyRequestRoutes(app, deps);
}
