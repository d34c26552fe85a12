/**
 * Erasure (privacy/erasure, crypto/shredding.ts): each data key's shred group and group-key version (null on
 * keys made before groups existed, until they are grouped at start), the groups whose key an erasure must
 * replace (a durable to-do, so a crash between the steps is finished at the next start), and legal holds
 * (the reason sealed under the customer's own key). Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function erasure(context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('customer_keys').addColumn('shred_group', 'integer').execute();
      await db.schema.alterTable('customer_keys').addColumn('group_version', 'integer').execute();
      await db.schema
        .createIndex('customer_keys_shred_group')
        .on('customer_keys')
        .columns(['shred_group', 'group_version'])
        .execute();
      await db.schema
        .createTable('shred_rekeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shred_group', 'integer', (c) => c.notNull())
        .addColumn('from_version', 'integer', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('legal_holds')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('reason_sealed', context.binary, (c) => c.notNull())
        .addColumn('placed_by', 'text', (c) => c.notNull())
        .addColumn('placed_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('legal_holds').execute();
      await db.schema.dropTable('shred_rekeys').execute();
      await db.schema.dropIndex('customer_keys_shred_group').execute();
      await db.schema.alterTable('customer_keys').dropColumn('group_version').execute();
      await db.schema.alterTable('customer_keys').dropColumn('shred_group').execute();
    },
  };
}
