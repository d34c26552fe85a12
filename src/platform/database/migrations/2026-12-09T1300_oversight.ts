/**
 * Oversight of the side doors (issue 10): break-glass withdrawn after an unjustified review, the approvals
 * of a large export (a quorum) and when it may first run, and the differential-privacy budget each
 * requester spent on aggregates. Never edit after landing.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { MigrationContext } from './context.ts';

export function oversight(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('break_glass_withdrawals')
        .addColumn('staff_id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('withdrawn_by', 'text', (c) => c.notNull())
        .addColumn('withdrawn_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('cases_break_glass_by')
        .on('cases')
        .columns(['opened_by', 'break_glass', 'opened_at'])
        .execute();

      await db.schema
        .createTable('export_approvals')
        .addColumn('export_id', 'text', (c) => c.notNull())
        .addColumn('approver_id', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('export_approvals_pk', ['export_id', 'approver_id'])
        .execute();
      await db.schema
        .createIndex('export_approvals_approver')
        .on('export_approvals')
        .columns(['approver_id', 'approved_at'])
        .execute();
      // Exports decided before this migration keep the one approval they had.
      await sql`insert into export_approvals (export_id, approver_id, approved_at)
        select id, decided_by, decided_at from exports
        where decided_by is not null and decided_at is not null and status <> 'rejected'`.execute(db);
      await db.schema.alterTable('exports').addColumn('runnable_after', 'bigint').execute();
      await db.schema
        .createIndex('exports_requester')
        .on('exports')
        .columns(['requested_by', 'created_at'])
        .execute();

      await db.schema
        .createTable('aggregate_releases')
        .addColumn('export_id', 'text', (c) => c.primaryKey())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('epsilon_micro', 'bigint', (c) => c.notNull())
        .addColumn('released_at', 'bigint', (c) => c.notNull())
        .addColumn('dimensions', 'text', (c) => c.notNull())
        .addColumn('groups', 'text')
        .execute();
      await db.schema
        .createIndex('aggregate_releases_requester')
        .on('aggregate_releases')
        .columns(['requested_by', 'released_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('aggregate_releases').execute();
      await db.schema.dropIndex('exports_requester').execute();
      await db.schema.alterTable('exports').dropColumn('runnable_after').execute();
      await db.schema.dropTable('export_approvals').execute();
      await db.schema.dropIndex('cases_break_glass_by').execute();
      await db.schema.dropTable('break_glass_withdrawals').execute();
    },
  };
}
