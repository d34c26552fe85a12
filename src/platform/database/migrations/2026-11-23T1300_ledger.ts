/**
 * The ledger: entries (canonical bytes, plus indexed columns for lookups), Merkle tiles (C2SP tlog-tiles
 * layout: 256 hashes of tree level 8·L per tile) and signed checkpoints. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function ledger({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ledger_entries')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('entry', binary)
        .addColumn('redacted_at', 'bigint')
        .execute();
      await db.schema.createIndex('ledger_entries_at').on('ledger_entries').column('at').execute();
      await db.schema
        .createIndex('ledger_entries_subject')
        .on('ledger_entries')
        .columns(['subject', 'idx'])
        .execute();
      await db.schema
        .createTable('ledger_tiles')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('hashes', binary, (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_tiles_pk', ['level', 'idx'])
        .execute();
      await db.schema
        .createTable('ledger_checkpoints')
        .addColumn('size', 'bigint', (c) => c.primaryKey())
        .addColumn('root', binary, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['ledger_checkpoints', 'ledger_tiles', 'ledger_entries']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
