/**
 * Pre-authentication challenge records: what a ceremony must remember between its two requests before anyone
 * is signed in (a passkey challenge, an OpenID Connect state/nonce/PKCE verifier). The client holds a random
 * handle; only its SHA-256 is stored, so a database reader cannot complete someone else's ceremony. Each
 * record is single use (`used_at`) and expires. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function authChallenges({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_challenges')
        .addColumn('id', binary, (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('auth_challenges_expiry')
        .on('auth_challenges')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('auth_challenges').execute();
    },
  };
}
