/**
 * Alert triage: an alert's status (open, assigned, confirmed, dismissed), who it is assigned to, the reason and
 * verdict of its decision (the decision's time and maker go in the existing `acknowledged_at`/`_by`), the top
 * indicator a `risk_tier` alert was raised on (what the watcher's feedback counts per), and the investigations
 * confirmed alerts open, and each unmasking of an alert's pseudonym with its reason. Never edit after landing.
 */
import { type Kysely, sql, type Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function alertTriage(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('alerts')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
        .execute();
      await db.schema.alterTable('alerts').addColumn('assignee', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('reason', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('false_positive', 'integer').execute();
      await db.schema.alterTable('alerts').addColumn('indicator', 'text').execute();
      // Alerts acknowledged before triage existed count as dismissed.
      await sql`update alerts set status = 'dismissed' where acknowledged_at is not null`.execute(db);
      await db.schema.createIndex('alerts_status').on('alerts').columns(['status', 'created_at']).execute();
      await db.schema
        .createTable('investigations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alert_id', 'text', (c) => c.notNull().unique())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alert_unmaskings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alert_id', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('unmasked_by', 'text', (c) => c.notNull())
        .addColumn('unmasked_at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('alert_unmaskings').execute();
      await db.schema.dropTable('investigations').execute();
      await db.schema.dropIndex('alerts_status').execute();
      for (const column of ['indicator', 'false_positive', 'reason', 'assignee', 'status'])
        await db.schema.alterTable('alerts').dropColumn(column).execute();
    },
  };
}
