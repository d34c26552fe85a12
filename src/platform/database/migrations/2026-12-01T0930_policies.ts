/**
 * Access policies: every version of the live Cedar policy set (the highest is in force) and the proposals
 * that lead to them, pending until a second admin approves or rejects. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function policies(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('policy_versions')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('proposal_id', 'text')
        .addColumn('approved_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('policy_proposals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('base_version', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('proposed_by', 'text', (c) => c.notNull())
        .addColumn('proposed_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('version', 'integer')
        .execute();
      await db.schema
        .createIndex('policy_proposals_status')
        .on('policy_proposals')
        .columns(['status', 'proposed_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['policy_proposals', 'policy_versions']) await db.schema.dropTable(table).execute();
    },
  };
}
