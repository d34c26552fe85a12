/**
 * The identity module's routes, one plugin: the staff directory (admin token), HR signals (the HR system's
 * token), staff training records, sign-in for both realms —
 * staff under `/v1/auth`, customers (the privacy portal) under `/v1/portal` — passkeys for both, and staff
 * single sign-on when an identity provider is configured. Session tokens come back in the body for API
 * clients and as an HttpOnly, Secure, SameSite=Strict cookie for browsers, with the CSRF token in the body.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { Accounts } from './accounts/accounts.service.ts';
import type { Invitations } from './accounts/invitations.service.ts';
import type { AccountPasskeys } from './passkeys/account-passkeys.service.ts';
import { passkeyRoutes } from './passkeys/passkey.routes.ts';
import { signInRoutes } from './sign-in/sign-in.routes.ts';
import { oidcRoutes } from './sso/oidc.routes.ts';
import type { StaffSso } from './sso/staff-sso.service.ts';
import { staffRoutes } from './staff/staff.routes.ts';
import { hrSignalRoutes } from './staff/hr-signals.routes.ts';
import type { HrSignals } from './staff/hr-signals.service.ts';
import { trainingRoutes } from './staff/training.routes.ts';
import type { Training } from './staff/training.service.ts';
import type { Announcements } from './staff/announcements.ts';
import type { RoleGrants } from './staff/role-grants.ts';
import type { ApiTokens } from './api-tokens/api-tokens.ts';

export interface IdentityRouteDeps {
  auth: RouteAuth;
  accounts: Accounts;
  invitations: Invitations;
  accountPasskeys: AccountPasskeys;
  roleGrants: RoleGrants;
  announcements: Announcements;
  apiTokens: ApiTokens;
  hrSignals: HrSignals;
  training: Training;
  /** Absent unless an identity provider is configured: then there are no single sign-on routes. */
  staffSso?: StaffSso;
}

export async function identityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): Promise<void> {
  // Routes here declare their own kind: sign-in steps are public, enrolment takes a password-only session.
  deps.auth.install(app, 'staff');
  staffRoutes(app, deps);
  hrSignalRoutes(app, deps);
  trainingRoutes(app, deps);
  const realms = [
    { realm: 'staff', prefix: '/v1/auth', acceptPath: '/v1/auth/invitations/accept' },
    { realm: 'customer', prefix: '/v1/portal', acceptPath: '/v1/portal/sign-up' },
  ] as const;
  for (const { realm, prefix, acceptPath } of realms) {
    signInRoutes(app, { realm, prefix, acceptPath, accounts: deps.accounts, invitations: deps.invitations });
    passkeyRoutes(app, { realm, prefix, accountPasskeys: deps.accountPasskeys });
  }
  if (deps.staffSso) oidcRoutes(app, { staffSso: deps.staffSso });
}
