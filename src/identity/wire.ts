/** Builds the identity module: for now the staff directory and admin API tokens. */
import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/database/schema.ts';
import { createApiTokenStore } from './api-tokens.store.ts';
import { createApiTokens } from './api-tokens.ts';
import { createStaffStore } from './staff.store.ts';

export function wireIdentity(deps: { db: Kysely<Database>; clock: Clock }) {
  return {
    staff: createStaffStore(deps.db),
    apiTokens: createApiTokens({ store: createApiTokenStore(deps.db), clock: deps.clock }),
  };
}
