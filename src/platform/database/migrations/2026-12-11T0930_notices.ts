/**
 * Reveal notices to customers (privacy/notices/): each customer's choice of immediate notices or a daily
 * digest, every staff reveal as the customer is to be told of it (field names, purpose, the staff member's
 * role and site — no values, no names), and one row per customer and day a digest was sent for, which keeps a
 * restarted job from sending a day's digest twice. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function notices(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notice_preferences')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('reveal_notices')
        .addColumn('reveal_id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('staff_role', 'text', (c) => c.notNull())
        .addColumn('staff_site', 'text', (c) => c.notNull())
        .addColumn('revealed_at', 'bigint', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .execute();
      await db.schema
        .createIndex('reveal_notices_digest')
        .on('reveal_notices')
        .columns(['mode', 'message_id', 'day'])
        .execute();
      await db.schema
        .createIndex('reveal_notices_customer')
        .on('reveal_notices')
        .columns(['customer_id', 'day'])
        .execute();
      await db.schema
        .createTable('reveal_digests')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('reveal_digests_pk', ['customer_id', 'day'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('reveal_digests').execute();
      await db.schema.dropTable('reveal_notices').execute();
      await db.schema.dropTable('notice_preferences').execute();
    },
  };
}
