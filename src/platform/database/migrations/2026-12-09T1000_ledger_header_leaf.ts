/**
 * Header leaves (ledger/entry-leaf.ts): each entry row says which leaf format it was hashed in and, for v2,
 * keeps the SHA-256 of its payload, so the header (time, type, actor, subject) stays checkable against the
 * tree after retention drops the payload. Rows already stored are v1 and stay as they are. Never edit after
 * landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function ledgerHeaderLeaf({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('ledger_entries')
        .addColumn('leaf_version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('ledger_entries').addColumn('payload_hash', binary).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('ledger_entries').dropColumn('payload_hash').execute();
      await db.schema.alterTable('ledger_entries').dropColumn('leaf_version').execute();
    },
  };
}
