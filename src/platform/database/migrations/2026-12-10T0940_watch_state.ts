/**
 * The watcher's own state: keyed marks of customers an insider is curious about (VIPs, co-workers — an HMAC
 * of the customer id under a key only the keyring holds, so the table alone does not say who they are), and
 * periodic snapshots of the risk model (derived state, checked against the ledger entry that names its hash).
 * Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function watchState(context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('watch_marks')
        .addColumn('mark', context.binary, (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('watch_snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('ledger_size', 'bigint', (c) => c.notNull())
        .addColumn('state', context.binary, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('watch_snapshots').execute();
      await db.schema.dropTable('watch_marks').execute();
    },
  };
}
