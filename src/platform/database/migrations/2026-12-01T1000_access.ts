/**
 * Access: cases and their assignees, customer-present codes, quota overrides, consents per purpose, export
 * requests and security alerts, and the ledger index quotas count from. Reasons staff type are sealed under
 * the customer's own key, so erasing the customer erases them too. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function access({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('break_glass', 'integer', (c) => c.notNull())
        .addColumn('reason_sealed', binary)
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('closed_by', 'text')
        .addColumn('customer_present_at', 'bigint')
        .addColumn('presence_failures', 'integer', (c) => c.notNull())
        .addColumn('review_due_at', 'bigint')
        .addColumn('reviewed_at', 'bigint')
        .addColumn('reviewed_by', 'text')
        .addColumn('review_outcome', 'text')
        .execute();
      await db.schema.createIndex('cases_customer').on('cases').columns(['customer_id']).execute();
      await db.schema
        .createIndex('cases_review_due')
        .on('cases')
        .columns(['break_glass', 'reviewed_at', 'review_due_at'])
        .execute();
      await db.schema
        .createTable('case_assignees')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('assigned_by', 'text', (c) => c.notNull())
        .addColumn('assigned_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_assignees_pk', ['case_id', 'staff_id'])
        .execute();
      await db.schema
        .createIndex('case_assignees_staff')
        .on('case_assignees')
        .columns(['staff_id'])
        .execute();
      await db.schema
        .createTable('presence_codes')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', binary, (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('presence_codes_pk', ['customer_id', 'code_hash'])
        .execute();
      // Quotas count from the ledger itself (an act counts once its entry is durable): who did what to whom
      // since when, answered from the index alone.
      await db.schema
        .createIndex('ledger_entries_actor_type_at')
        .on('ledger_entries')
        .columns(['actor', 'type', 'at', 'subject'])
        .execute();
      await db.schema
        .createTable('quota_overrides')
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('quota', 'text', (c) => c.notNull())
        .addColumn('max', 'integer', (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .addColumn('set_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('quota_overrides_pk', ['staff_id', 'quota'])
        .execute();
      await db.schema
        .createTable('consents')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('granted', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['customer_id', 'purpose'])
        .execute();
      await db.schema
        .createTable('exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('completed_at', 'bigint')
        .addColumn('result_count', 'integer')
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('acknowledged_by', 'text')
        .execute();
      await db.schema
        .createIndex('alerts_open')
        .on('alerts')
        .columns(['acknowledged_at', 'created_at'])
        .execute();
    },
  };
}
