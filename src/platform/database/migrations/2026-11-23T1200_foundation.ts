/**
 * Foundation schema: customers (sealed fields and blind indexes), their wrapped data keys, keyring secrets,
 * admin API tokens, the staff directory and a small key/value table for installation facts.
 * Never edit after landing: add a new migration.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function foundation({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('customers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('name_sealed', binary)
        .addColumn('phone_sealed', binary)
        .addColumn('email_sealed', binary)
        .addColumn('account_id_sealed', binary)
        .addColumn('national_id_sealed', binary)
        .addColumn('address_sealed', binary)
        .addColumn('birth_date_sealed', binary)
        .addColumn('attributes_sealed', binary)
        .addColumn('masked_sealed', binary, (c) => c.notNull())
        .addColumn('phone_bidx', binary)
        .addColumn('email_bidx', binary)
        .addColumn('account_id_bidx', binary)
        .addColumn('national_id_bidx', binary)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('customers_phone_bidx').on('customers').column('phone_bidx').execute();
      await db.schema.createIndex('customers_email_bidx').on('customers').column('email_bidx').execute();
      await db.schema
        .createIndex('customers_national_id_bidx')
        .on('customers')
        .column('national_id_bidx')
        .execute();
      await db.schema
        .createIndex('customers_account_id_bidx')
        .on('customers')
        .column('account_id_bidx')
        .unique()
        .where('account_id_bidx', 'is not', null)
        .execute();

      await db.schema
        .createTable('customer_keys')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('dek_version', 'integer', (c) => c.notNull())
        .addColumn('kek_version', 'integer', (c) => c.notNull())
        .addColumn('wrapped', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('customer_keys_kek_version')
        .on('customer_keys')
        .column('kek_version')
        .execute();

      await db.schema
        .createTable('keyring_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kek_version', 'integer', (c) => c.notNull())
        .addColumn('wrapped', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('token_hash', binary, (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('staff')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('manager_id', 'text')
        .addColumn('shift', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['staff', 'api_tokens', 'keyring_secrets', 'customer_keys', 'customers', 'meta']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
