/**
 * Automatic suspensions by the insider-risk watcher and their review by a person (PIPL art. 24, GDPR art.
 * 22): when the review is due, who reviewed it, the outcome and its reason. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function riskSuspensions(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('risk_suspensions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('suspended_at', 'bigint', (c) => c.notNull())
        .addColumn('review_due_at', 'bigint', (c) => c.notNull())
        .addColumn('reviewed_at', 'bigint')
        .addColumn('reviewed_by', 'text')
        .addColumn('outcome', 'text')
        .addColumn('reason', 'text')
        .addColumn('overdue_alerted_at', 'bigint')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('risk_suspensions').execute();
    },
  };
}
