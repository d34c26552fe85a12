/** Builds the identity module: staff directory, admin API tokens, accounts, sessions and sign-in throttling. */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/database/schema.ts';
import { createAccounts } from './accounts.service.ts';
import { createAccountStore } from './accounts.store.ts';
import { createApiTokenStore } from './api-tokens.store.ts';
import { createApiTokens } from './api-tokens.ts';
import { createThrottleStore } from './auth-throttle.store.ts';
import { createSessions } from './sessions.ts';
import { createSessionStore } from './sessions.store.ts';
import { createStaffStore } from './staff.store.ts';
import { createThrottle } from './throttle.ts';

export function wireIdentity(deps: {
  db: Kysely<Database>;
  clock: Clock;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret'>;
  ledger: Pick<Ledger, 'append'>;
}) {
  const accountStore = createAccountStore(deps.db);
  const staff = createStaffStore(deps.db);
  const sessions = createSessions({ store: createSessionStore(deps.db), clock: deps.clock });
  const throttle = createThrottle({ store: createThrottleStore(deps.db), clock: deps.clock });
  return {
    staff,
    sessions,
    apiTokens: createApiTokens({ store: createApiTokenStore(deps.db), clock: deps.clock }),
    accounts: createAccounts({ ...deps, store: accountStore, staff, sessions, throttle }),
  };
}
