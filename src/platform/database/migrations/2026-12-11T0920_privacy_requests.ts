/**
 * People's requests about their data (access, export, correction, erasure, objection), each with the due time
 * its jurisdiction gives it, its decision and the sealed reason; and breach incidents security opened. Never
 * edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function privacyRequests(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('privacy_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('filed_at', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('extended_at', 'bigint')
        .addColumn('decided_at', 'bigint')
        .addColumn('decided_by', 'text')
        .addColumn('reason_sealed', 'text')
        .addColumn('overdue_alerted_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('privacy_requests_customer')
        .on('privacy_requests')
        .columns(['customer_id', 'filed_at'])
        .execute();
      await db.schema
        .createIndex('privacy_requests_due')
        .on('privacy_requests')
        .columns(['status', 'due_at'])
        .execute();
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('from_at', 'bigint', (c) => c.notNull())
        .addColumn('to_at', 'bigint', (c) => c.notNull())
        .addColumn('known_at', 'bigint', (c) => c.notNull())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('affected', 'bigint', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('incidents').execute();
      await db.schema.dropTable('privacy_requests').execute();
    },
  };
}
