/** SQL for the keyring: customers' wrapped data keys and wrapped installation secrets. */
import type { Kysely, Transaction } from 'kysely';
import { type BulkInsert, kyselyBulkInsert } from '../platform/database/bulk-insert.ts';
import type { CustomerKeysTable, Database, KeyringSecretsTable } from '../platform/database/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export function createKeyringStore(db: Kysely<Database>, bulkInsert: BulkInsert = kyselyBulkInsert()) {
  return {
    async customerKey(customerId: string, trx: Db = db): Promise<CustomerKeysTable | undefined> {
      return trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
    },

    async insertCustomerKeys(rows: CustomerKeysTable[], trx: Db = db): Promise<void> {
      await bulkInsert(trx, 'customer_keys', rows);
    },

    /** Keys still wrapped under a version other than `kekVersion`, oldest first, for rewrapping. */
    async keysNotUnder(kekVersion: number, limit: number, trx: Db = db): Promise<CustomerKeysTable[]> {
      return trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('kek_version', '<>', kekVersion)
        .orderBy('customer_id')
        .limit(limit)
        .execute();
    },

    async countKeysNotUnder(kekVersion: number, trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('customer_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kek_version', '<>', kekVersion)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Replace a wrapping only if it is still the one we read (another rotator may have moved it). */
    async rewrapCustomerKey(
      customerId: string,
      fromKek: number,
      toKek: number,
      wrapped: Buffer,
      trx: Db = db,
    ): Promise<boolean> {
      const result = await trx
        .updateTable('customer_keys')
        .set({ kek_version: toKek, wrapped })
        .where('customer_id', '=', customerId)
        .where('kek_version', '=', fromKek)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async secret(name: string, trx: Db = db): Promise<KeyringSecretsTable | undefined> {
      return trx.selectFrom('keyring_secrets').selectAll().where('name', '=', name).executeTakeFirst();
    },

    async secrets(trx: Db = db): Promise<KeyringSecretsTable[]> {
      return trx.selectFrom('keyring_secrets').selectAll().execute();
    },

    async insertSecret(row: KeyringSecretsTable, trx: Db = db): Promise<void> {
      await trx.insertInto('keyring_secrets').values(row).execute();
    },

    async rewrapSecret(
      name: string,
      fromKek: number,
      toKek: number,
      wrapped: Buffer,
      trx: Db = db,
    ): Promise<boolean> {
      const result = await trx
        .updateTable('keyring_secrets')
        .set({ kek_version: toKek, wrapped })
        .where('name', '=', name)
        .where('kek_version', '=', fromKek)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type KeyringStore = ReturnType<typeof createKeyringStore>;
