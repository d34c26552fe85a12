/**
 * Inbound calls: what the telephony integration reported, matched to customers by the caller's number, so a
 * case can show the customer started it. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function inboundCalls(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inbound_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('agent_staff_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('reported_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('inbound_calls_agent_customer')
        .on('inbound_calls')
        .columns(['agent_staff_id', 'customer_id', 'at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('inbound_calls').execute();
    },
  };
}
