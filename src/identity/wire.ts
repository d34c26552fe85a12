/**
 * Builds the identity module: staff directory and HR signals, admin API tokens, accounts and invitations, sessions and the
 * route authentication built on them, sign-in throttling, pre-authentication challenges, passkeys (bound to
 * the configured public origin) and, when an identity provider is configured, staff single sign-on.
 */
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import { createAccounts } from './accounts/accounts.service.ts';
import { createAccountStore } from './accounts/accounts.store.ts';
import { createInvitations, type CustomerContacts } from './accounts/invitations.service.ts';
import { createPortalLogins } from './accounts/portal-logins.ts';
import { createApiTokens } from './api-tokens/api-tokens.ts';
import { createApiTokenStore } from './api-tokens/api-tokens.store.ts';
import { createAccountPasskeys } from './passkeys/account-passkeys.service.ts';
import { createPasskeys } from './passkeys/passkeys.ts';
import { createPasskeyStore } from './passkeys/passkeys.store.ts';
import { createPrincipals } from './sessions/principal.ts';
import { createRouteAuth } from './sessions/route-auth.ts';
import { createSessions } from './sessions/sessions.ts';
import { createSessionStore } from './sessions/sessions.store.ts';
import { createAuthChallenges } from './sign-in/auth-challenges.ts';
import { createAuthChallengeStore } from './sign-in/auth-challenges.store.ts';
import { createThrottleStore } from './sign-in/auth-throttle.store.ts';
import { createThrottle } from './sign-in/throttle.ts';
import { createOidcSignIn } from './sso/oidc.ts';
import { createSsoIdentityStore } from './sso/sso-identities.store.ts';
import { createStaffSso, PENDING_TTL_MS } from './sso/staff-sso.service.ts';
import { createMetaStore } from '../platform/database/meta.store.ts';
import { createAnnouncements } from './staff/announcements.ts';
import { createAnnouncementStore } from './staff/announcements.store.ts';
import { createIndependence } from './staff/independence.ts';
import { createRoleGrants } from './staff/role-grants.ts';
import { createHrSignals } from './staff/hr-signals.service.ts';
import { createHrSignalStore } from './staff/hr-signals.store.ts';
import { createStaffDirectory } from './staff/staff-directory.ts';
import { createStaffStore, withStaffCache } from './staff/staff.store.ts';
import { createVersionedCache } from '../platform/cache/versioned-cache.ts';
import { createTraining } from './staff/training.service.ts';
import { createTrainingStore } from './staff/training.store.ts';
import type { StaffRole } from './staff/staff.types.ts';

export async function wireIdentity(deps: {
  platform: Platform;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret' | 'blindIndex' | 'cipher'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
  /** The vault's answer to "is this the customer's own contact?", for portal invitations. */
  customers: CustomerContacts;
}) {
  const { platform, keyring, ledger, customers } = deps;
  const { config, clock, logger } = platform;
  const db = platform.database.db;
  const accountStore = createAccountStore(db);
  const portalLogins = createPortalLogins({ keyring, store: accountStore, logger });
  // Customer accounts stored before portal logins were indexed: index and seal them now (once; then none).
  if ((await portalLogins.protectExisting()) > 0)
    await accountStore.reclaimAccountSpace(platform.database.dialect);
  const staffStore = withStaffCache(createStaffStore(db), platform.changes);
  const hrSignalStore = createHrSignalStore(db);
  const staff = createStaffDirectory({ store: staffStore, hrSignals: hrSignalStore });
  const sessions = createSessions({
    store: createSessionStore(db),
    clock,
    cache: createVersionedCache(platform.changes, ['sessions', 'accounts']),
  });
  const apiTokens = createApiTokens({
    store: createApiTokenStore(db),
    staff,
    accounts: accountStore,
    ledger,
    sessions,
    clock,
  });
  const independence = createIndependence({
    store: staffStore,
    ledger,
    clock,
    coolingOffMs: config.privilegedCoolingOffHours * 3600_000,
  });
  const announcements = createAnnouncements({ store: createAnnouncementStore(db), clock });
  const roleGrants = createRoleGrants({
    store: staffStore,
    meta: createMetaStore(db),
    independence,
    announcements,
    ledger,
    sessions,
    clock,
    setupWindowMs: config.setupWindowHours * 3600_000,
  });
  const training = createTraining({ store: createTrainingStore(db), staff, sessions, ledger, clock });
  const principalOf = createPrincipals({
    staff,
    ...(config.trainingRequired
      ? { training: { course: config.trainingCourse, statusOf: training.statusOf } }
      : {}),
  });
  // Throttle keys reach the table only under HMAC: no login (not even an unkeyed hash) and no address.
  const throttle = createThrottle({
    store: createThrottleStore(db),
    clock,
    storeKey: (key) => keyring.blindIndex('sign_in_throttle', key).toString('base64url'),
  });
  const challenges = createAuthChallenges({ store: createAuthChallengeStore(db), clock });
  const passkeys = createPasskeys({
    store: createPasskeyStore(db),
    clock,
    logger,
    config: {
      rpId: new URL(config.publicOrigin).hostname,
      rpName: config.passkeyRpName,
      origin: config.publicOrigin,
    },
  });
  const accounts = createAccounts({
    store: accountStore,
    sessions,
    throttle,
    keyring,
    ledger,
    clock,
    portalLogins,
  });
  return {
    staff,
    /** Is an approver independent of a request's parties (four eyes are two people)? */
    independence,
    /** Approvals announced to the rest of the approving role. */
    announcements,
    /** Privileged roles granted by two administrators; the end of setup. */
    roleGrants,
    sessions,
    principalOf,
    /** Authentication for every module's route plugin (see `platform/route-auth.ts`). */
    routeAuth: createRouteAuth({ sessions, apiTokens, principalOf }),
    challenges,
    /** Staff single sign-on; undefined (and its routes absent) unless an identity provider is configured. */
    staffSso:
      config.oidcIssuer && config.oidcClientId && config.oidcGroupRoles
        ? createStaffSso({
            sso: createOidcSignIn({
              issuer: config.oidcIssuer,
              clientId: config.oidcClientId,
              ...(config.oidcClientSecret ? { clientSecret: config.oidcClientSecret } : {}),
              redirectUri: config.oidcRedirectUri,
              // Roles are checked against the staff roles here: an unknown one stops the process.
              groupRoles: config.oidcGroupRoles as Record<string, StaffRole>,
              scopes: config.oidcScopes,
              pendingTtlMs: PENDING_TTL_MS,
              // http only for an IdP on this machine (development, tests); anything else must be https.
              allowHttpOnLoopback: true,
              clock,
            }),
            issuer: config.oidcIssuer,
            challenges,
            store: createSsoIdentityStore(db),
            accounts: accountStore,
            sessions,
            ledger,
            clock,
          })
        : undefined,
    apiTokens,
    /** Customer logins as keyed indexes, their contacts sealed under the customer's key. */
    portalLogins,
    accounts,
    /** Staff training records (an administrator's or HR's); the principal carries the required course's. */
    training,
    /** What the HR system reports about staff (`hr` token), and its effect on their accounts. */
    hrSignals: createHrSignals({
      training,
      store: hrSignalStore,
      staff: staffStore,
      accounts,
      accountStore,
      apiTokens,
      sessions,
      ledger,
      bus: platform.bus,
      clock,
    }),
    invitations: createInvitations({
      store: accountStore,
      staff,
      sessions,
      ledger,
      clock,
      customers,
      portalLogins,
      setupOpen: () => roleGrants.setupOpen(),
    }),
    accountPasskeys: createAccountPasskeys({
      passkeys,
      challenges,
      accounts: accountStore,
      sessions,
      ledger,
      clock,
      portalLogins,
    }),
  };
}

export type IdentityModule = Awaited<ReturnType<typeof wireIdentity>>;
