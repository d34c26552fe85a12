/**
 * The access module's routes, one plugin: cases, the customer's record through a case, the reveal, reveal
 * approvals, portal invitations, break-glass, exports, quota overrides, the queue of portal requests and the
 * policy set — all for staff signed in with a second factor (the plugin's default) — and the customer's
 * presence code, requests and appointments (the portal).
 *
 * A route that can return anything about an individual customer carries `config.customerData`; the access
 * matrix test walks every flagged route (and fails on a flagged route it does not know).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import { breakGlassRoutes } from './break-glass/break-glass.routes.ts';
import type { BreakGlass } from './break-glass/break-glass.service.ts';
import type { CaseConsents } from './cases/case-consents.service.ts';
import { caseRoutes } from './cases/cases.routes.ts';
import type { Cases } from './cases/cases.service.ts';
import { inboundCallRoutes } from './cases/inbound-calls.routes.ts';
import type { InboundCalls } from './cases/inbound-calls.service.ts';
import { appointmentRoutes } from './cases/appointments.routes.ts';
import type { Appointments } from './cases/appointments.service.ts';
import { portalRequestRoutes } from './cases/portal-requests.routes.ts';
import type { PortalRequests } from './cases/portal-requests.service.ts';
import { portalInvitationRoutes } from './cases/portal-invitations.routes.ts';
import type { PortalInvitations } from './cases/portal-invitations.service.ts';
import type { PresenceCodes } from './cases/presence-codes.ts';
import { presenceRoutes } from './cases/presence.routes.ts';
import { customerRoutes } from './customers/customers.routes.ts';
import type { Customers } from './customers/customers.service.ts';
import { exportRoutes } from './exports/exports.routes.ts';
import type { Exports } from './exports/exports.service.ts';
import { policyRoutes } from './policy/policy.routes.ts';
import type { PolicyService } from './policy/policy.service.ts';
import { quotaOverrideRoutes } from './quotas/quota-overrides.routes.ts';
import type { QuotaOverrides } from './quotas/quota-overrides.service.ts';
import { revealApprovalRoutes } from './reveal/reveal-approvals.routes.ts';
import type { RevealApprovals } from './reveal/reveal-approvals.service.ts';
import { revealRoutes } from './reveal/reveal.routes.ts';
import type { Reveals } from './reveal/reveal.service.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route can return personal data of a customer: it must appear in the access matrix. */
    customerData?: boolean;
  }
}

export interface AccessRouteDeps {
  auth: RouteAuth;
  cases: Cases;
  caseConsents: CaseConsents;
  presenceCodes: PresenceCodes;
  inboundCalls: InboundCalls;
  portalRequests: PortalRequests;
  appointments: Appointments;
  portalInvitations: PortalInvitations;
  customers: Customers;
  reveals: Reveals;
  revealApprovals: RevealApprovals;
  breakGlass: BreakGlass;
  exports: Exports;
  quotaOverrides: QuotaOverrides;
  policies: PolicyService;
}

export async function accessRoutes(app: FastifyInstance, deps: AccessRouteDeps): Promise<void> {
  deps.auth.install(app, 'staff');
  caseRoutes(app, deps);
  inboundCallRoutes(app, deps);
  customerRoutes(app, deps);
  revealRoutes(app, deps);
  revealApprovalRoutes(app, deps);
  portalInvitationRoutes(app, deps);
  breakGlassRoutes(app, deps);
  exportRoutes(app, deps);
  quotaOverrideRoutes(app, deps);
  policyRoutes(app, deps);
  presenceRoutes(app, deps);
  portalRequestRoutes(app, deps);
  appointmentRoutes(app, deps);
}
