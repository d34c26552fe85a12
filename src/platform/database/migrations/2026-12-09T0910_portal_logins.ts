/**
 * Portal logins without the customer's contact in clear: a customer account's `login` becomes the keyed blind
 * index of its normalised email or phone (`bidx1:…`), and the contact itself is kept in `display_sealed`,
 * sealed under the customer's own key (so erasing the customer's key shreds it). Existing rows cannot be
 * rewritten here — that needs the keyring — so identity rewrites them at start (portal-logins.ts,
 * `protectExisting`). Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function portalLogins({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('accounts').addColumn('display_sealed', binary).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('accounts').dropColumn('display_sealed').execute();
    },
  };
}
