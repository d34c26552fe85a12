/**
 * SQL for the keyring: customers' wrapped data keys and wrapped installation secrets, as `WrappedDataKey`
 * and `WrappedSecret` (keyring.types.ts).
 *
 * Invariant: a wrapping is replaced only by compare-and-set on the master-key version it was read under, so
 * a rotation never overwrites a wrapping another writer moved meanwhile.
 */
import type { Kysely, Transaction } from 'kysely';
import { type BulkInsert, kyselyBulkInsert } from '../platform/database/bulk-insert.ts';
import type { CustomerKeysTable, Database, KeyringSecretsTable } from '../platform/database/schema.ts';
import { uuidv7 } from '../platform/ids.ts';
import type { PendingRekey, Regroup, Rewrap, WrappedDataKey, WrappedSecret } from './keyring.types.ts';

type Db = Kysely<Database> | Transaction<Database>;

const toDataKey = (row: CustomerKeysTable): WrappedDataKey => ({
  customerId: row.customer_id,
  dekVersion: Number(row.dek_version),
  kekVersion: Number(row.kek_version),
  shredGroup: row.shred_group === null ? null : Number(row.shred_group),
  groupVersion: row.group_version === null ? null : Number(row.group_version),
  wrapped: row.wrapped,
  createdAt: Number(row.created_at),
});

const toDataKeyRow = (key: WrappedDataKey): CustomerKeysTable => ({
  customer_id: key.customerId,
  dek_version: key.dekVersion,
  kek_version: key.kekVersion,
  shred_group: key.shredGroup,
  group_version: key.groupVersion,
  wrapped: key.wrapped,
  created_at: key.createdAt,
});

const toSecret = (row: KeyringSecretsTable): WrappedSecret => ({
  name: row.name,
  kekVersion: Number(row.kek_version),
  wrapped: row.wrapped,
  createdAt: Number(row.created_at),
});

export function createKeyringStore(db: Kysely<Database>, bulkInsert: BulkInsert = kyselyBulkInsert()) {
  async function rewrapCustomerKey(trx: Db, r: Rewrap, toKek: number): Promise<boolean> {
    const result = await trx
      .updateTable('customer_keys')
      .set({ kek_version: toKek, wrapped: r.wrapped })
      .where('customer_id', '=', r.customerId)
      .where('kek_version', '=', r.fromKek)
      .where('group_version', r.groupVersion === null ? 'is' : '=', r.groupVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  return {
    async customerKey(customerId: string, trx: Db = db): Promise<WrappedDataKey | undefined> {
      const row = await trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row && toDataKey(row);
    },

    async insertCustomerKeys(keys: readonly WrappedDataKey[], trx: Db = db): Promise<void> {
      await bulkInsert(trx, 'customer_keys', keys.map(toDataKeyRow));
    },

    /** Keys still wrapped under a version other than `kekVersion`, oldest first, for rewrapping. */
    async keysNotUnder(kekVersion: number, limit: number, trx: Db = db): Promise<WrappedDataKey[]> {
      const rows = await trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('kek_version', '<>', kekVersion)
        .orderBy('customer_id')
        .limit(limit)
        .execute();
      return rows.map(toDataKey);
    },

    async countKeysNotUnder(kekVersion: number, trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('customer_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kek_version', '<>', kekVersion)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Move a batch of wrappings to `toKek` in one transaction, each only if it is still the one that was
     * read (another rotator may have moved it); returns how many moved.
     */
    async rewrapCustomerKeys(rewraps: readonly Rewrap[], toKek: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        let moved = 0;
        for (const r of rewraps) {
          if (await rewrapCustomerKey(trx, r, toKek)) moved++;
        }
        return moved;
      });
    },

    /** Run `work` in one transaction (an erasure's key deletion with its re-key to-do; a group's re-key). */
    transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return db.transaction().execute(work);
    },

    /** Keys of `group` under a group-key version below `version` (the erased customer's is already gone). */
    async keysInGroupBelow(group: number, version: number, trx: Db = db): Promise<WrappedDataKey[]> {
      const rows = await trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('shred_group', '=', group)
        .where('group_version', '<', version)
        .execute();
      return rows.map(toDataKey);
    },

    /** Keys not in any shred group yet (an older installation's), a batch at a time. */
    async ungroupedKeys(limit: number, trx: Db = db): Promise<WrappedDataKey[]> {
      const rows = await trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('shred_group', 'is', null)
        .orderBy('customer_id')
        .limit(limit)
        .execute();
      return rows.map(toDataKey);
    },

    async countGroupedKeys(trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('customer_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('shred_group', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Move keys to a (new) group version, each only if its master-key and group versions are still those it
     * was read under; returns how many moved.
     */
    async regroupCustomerKeys(regroups: readonly Regroup[], trx: Db): Promise<number> {
      let moved = 0;
      for (const r of regroups) {
        const result = await trx
          .updateTable('customer_keys')
          .set({
            kek_version: r.kekVersion,
            shred_group: r.shredGroup,
            group_version: r.groupVersion,
            wrapped: r.wrapped,
          })
          .where('customer_id', '=', r.customerId)
          .where('kek_version', '=', r.fromKek)
          .where('group_version', r.fromGroupVersion === null ? 'is' : '=', r.fromGroupVersion)
          .executeTakeFirst();
        moved += Number(result.numUpdatedRows);
      }
      return moved;
    },

    /** Delete a customer's key row; returns what it held (undefined when there was none). */
    async deleteCustomerKey(customerId: string, trx: Db): Promise<WrappedDataKey | undefined> {
      const row = await trx
        .selectFrom('customer_keys')
        .selectAll()
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      if (!row) return undefined;
      await trx.deleteFrom('customer_keys').where('customer_id', '=', customerId).execute();
      return toDataKey(row);
    },

    async insertRekey(rekey: PendingRekey, requestedAt: number, trx: Db): Promise<void> {
      await trx
        .insertInto('shred_rekeys')
        .values({
          id: uuidv7(requestedAt),
          shred_group: rekey.shredGroup,
          from_version: rekey.fromVersion,
          requested_at: requestedAt,
        })
        .execute();
    },

    async pendingRekeys(trx: Db = db): Promise<PendingRekey[]> {
      const rows = await trx.selectFrom('shred_rekeys').selectAll().orderBy('id').execute();
      return rows.map((r) => ({ shredGroup: Number(r.shred_group), fromVersion: Number(r.from_version) }));
    },

    /** The group's to-dos whose version is now gone from the key file. */
    async deleteRekeys(group: number, belowVersion: number, trx: Db = db): Promise<void> {
      await trx
        .deleteFrom('shred_rekeys')
        .where('shred_group', '=', group)
        .where('from_version', '<', belowVersion)
        .execute();
    },

    async secret(name: string, trx: Db = db): Promise<WrappedSecret | undefined> {
      const row = await trx
        .selectFrom('keyring_secrets')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row && toSecret(row);
    },

    async secrets(trx: Db = db): Promise<WrappedSecret[]> {
      return (await trx.selectFrom('keyring_secrets').selectAll().execute()).map(toSecret);
    },

    async insertSecret(secret: WrappedSecret, trx: Db = db): Promise<void> {
      await trx
        .insertInto('keyring_secrets')
        .values({
          name: secret.name,
          kek_version: secret.kekVersion,
          wrapped: secret.wrapped,
          created_at: secret.createdAt,
        })
        .execute();
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
