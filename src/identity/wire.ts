/**
 * Builds the identity module: staff directory, admin API tokens, accounts, sessions, sign-in throttling,
 * pre-authentication challenges and passkeys (bound to the configured public origin).
 */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { Database } from '../platform/database/schema.ts';
import { createAccounts } from './accounts/accounts.service.ts';
import { createInvitations, type CustomerContacts } from './accounts/invitations.service.ts';
import { createAccountStore } from './accounts/accounts.store.ts';
import { createAccountPasskeys } from './passkeys/account-passkeys.service.ts';
import { createAuthChallenges } from './sign-in/auth-challenges.ts';
import { createAuthChallengeStore } from './sign-in/auth-challenges.store.ts';
import { createOidcSignIn } from './sso/oidc.ts';
import { createPasskeys } from './passkeys/passkeys.ts';
import { createPasskeyStore } from './passkeys/passkeys.store.ts';
import { createApiTokenStore } from './api-tokens/api-tokens.store.ts';
import { createApiTokens } from './api-tokens/api-tokens.ts';
import { createThrottleStore } from './sign-in/auth-throttle.store.ts';
import { createSessions } from './sessions/sessions.ts';
import { createSessionStore } from './sessions/sessions.store.ts';
import { createSsoIdentityStore } from './sso/sso-identities.store.ts';
import { createStaffSso, PENDING_TTL_MS } from './sso/staff-sso.service.ts';
import { createStaffStore, type StaffRole } from './staff/staff.store.ts';
import { createThrottle } from './sign-in/throttle.ts';

export function wireIdentity(deps: {
  db: Kysely<Database>;
  clock: Clock;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret'>;
  ledger: Pick<Ledger, 'append'>;
  config: Pick<
    Config,
    | 'publicOrigin'
    | 'passkeyRpName'
    | 'oidcIssuer'
    | 'oidcClientId'
    | 'oidcClientSecret'
    | 'oidcRedirectUri'
    | 'oidcGroupRoles'
    | 'oidcScopes'
  >;
  logger: Pick<Logger, 'warn'>;
  /** The vault's answer to "is this the customer's own contact?", for portal invitations. */
  customers: CustomerContacts;
}) {
  const { db, clock, keyring, ledger, config, logger, customers } = deps;
  const accountStore = createAccountStore(db);
  const staff = createStaffStore(db);
  const sessions = createSessions({ store: createSessionStore(db), clock });
  const throttle = createThrottle({ store: createThrottleStore(db), clock });
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
  return {
    staff,
    sessions,
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
    apiTokens: createApiTokens({ store: createApiTokenStore(db), clock }),
    accounts: {
      ...createAccounts({ store: accountStore, sessions, throttle, keyring, ledger, clock }),
      ...createInvitations({ store: accountStore, staff, sessions, ledger, clock, customers }),
    },
    accountPasskeys: createAccountPasskeys({
      passkeys,
      challenges,
      accounts: accountStore,
      sessions,
      ledger,
      clock,
    }),
  };
}
