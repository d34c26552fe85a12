/**
 * TOTP re-enrolment beside the confirmed credential: a new secret waits in `pending_secret_sealed` until its
 * first code confirms it, and only then replaces the confirmed one. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function totpPending({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('totp_credentials').addColumn('pending_secret_sealed', binary).execute();
      await db.schema.alterTable('totp_credentials').addColumn('pending_created_at', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('totp_credentials').dropColumn('pending_created_at').execute();
      await db.schema.alterTable('totp_credentials').dropColumn('pending_secret_sealed').execute();
    },
  };
}
