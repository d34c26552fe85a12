/**
 * Sign-in throttle keys under a key of their own (HMAC, so the table holds no login, not even an unkeyed hash
 * a phone number could be brute-forced from), and `reported_until`: the back-off whose refusals have been
 * ledgered (one `auth.sign_in_throttled` per burst). Rows keyed the old way are dropped: back-offs in progress
 * start afresh once. Never edit after landing.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { MigrationContext } from './context.ts';

export function throttleBursts(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`delete from auth_throttle`.execute(db);
      await db.schema.alterTable('auth_throttle').addColumn('reported_until', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('auth_throttle').dropColumn('reported_until').execute();
    },
  };
}
