/**
 * Evidence the customer books themselves in the privacy portal: requests staff take into a case (each bound
 * to at most one case), and appointments at a site. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function portalEvidence(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('portal_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('site', 'text')
        .addColumn('note_sealed', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.unique())
        .addColumn('taken_by', 'text')
        .addColumn('taken_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('portal_requests_open')
        .on('portal_requests')
        .columns(['case_id', 'expires_at'])
        .execute();
      await db.schema
        .createIndex('portal_requests_customer')
        .on('portal_requests')
        .columns(['customer_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('appointments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('booked_at', 'bigint', (c) => c.notNull())
        .addColumn('cancelled_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('appointments_customer_site')
        .on('appointments')
        .columns(['customer_id', 'site', 'starts_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('appointments').execute();
      await db.schema.dropTable('portal_requests').execute();
    },
  };
}
