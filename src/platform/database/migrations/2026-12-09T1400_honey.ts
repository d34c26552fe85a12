/**
 * Honey records: the keyed marks that tell the watcher which customers are honey (an HMAC of the customer id
 * under a key only the keyring holds, so the table alone does not say which customers they are), and the
 * commitments written to the ledger when a set was seeded. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function honey(context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('honey_marks')
        .addColumn('mark', context.binary, (c) => c.primaryKey())
        .execute();
      await db.schema
        .createTable('honey_commitments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('salt', context.binary, (c) => c.notNull())
        .addColumn('commitment', context.binary, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('honey_commitments').execute();
      await db.schema.dropTable('honey_marks').execute();
    },
  };
}
