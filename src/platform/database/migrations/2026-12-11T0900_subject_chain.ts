/**
 * The per-subject chain (ledger leaf format v3): each entry about a subject names the index of the one before
 * it about the same subject (`prev`, part of the header its leaf commits to). Null on older entries, on
 * entries without a subject, and on a subject's first entry. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function subjectChain(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('ledger_entries').addColumn('prev', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('ledger_entries').dropColumn('prev').execute();
    },
  };
}
