/**
 * Reveal approvals: a second person's approval, asked for one case and some fields, that lets the asker
 * reveal a sensitive-class field once (PIPL art. 28). The reason is sealed under the customer's own key, so
 * erasing the customer erases it too. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function revealApprovals({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('reveal_approvals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('reason_sealed', binary, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('reveal_approvals_status_created')
        .on('reveal_approvals')
        .columns(['status', 'created_at'])
        .execute();
    },
  };
}
