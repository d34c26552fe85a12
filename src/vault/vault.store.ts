/** SQL for customers: sealed rows, blind-index lookups, optimistic updates. */
import type { Kysely, Transaction } from 'kysely';
import type { BlindIndexKind } from '../crypto/blind-index.ts';
import { type BulkInsert, kyselyBulkInsert } from '../platform/database/bulk-insert.ts';
import type { CustomersTable, Database } from '../platform/database/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

const bidxColumn = {
  phone: 'phone_bidx',
  email: 'email_bidx',
  account_id: 'account_id_bidx',
  national_id: 'national_id_bidx',
} as const satisfies Record<BlindIndexKind, keyof CustomersTable>;

export function createVaultStore(db: Kysely<Database>, bulkInsert: BulkInsert = kyselyBulkInsert()) {
  return {
    async insertCustomers(rows: CustomersTable[], trx: Db = db): Promise<void> {
      await bulkInsert(trx, 'customers', rows);
    },

    async customerById(id: string, trx: Db = db): Promise<CustomersTable | undefined> {
      return trx.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async idsByBlindIndex(
      kind: BlindIndexKind,
      digest: Buffer,
      limit: number,
      trx: Db = db,
    ): Promise<string[]> {
      const rows = await trx
        .selectFrom('customers')
        .select('id')
        .where(bidxColumn[kind], '=', digest)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    /**
     * Insert the customers whose account ID is not taken yet (by the vault or by an earlier row of the same
     * call) and skip the rest; returns the ids inserted.
     */
    async insertNewCustomers(rows: CustomersTable[], trx: Db): Promise<Set<string>> {
      return (await bulkInsert.skippingConflicts(trx, 'customers', rows, 'id')) as Set<string>;
    },

    /** Apply a change if the row is still at `version`; false when someone else changed it first. */
    async updateCustomer(
      id: string,
      version: number,
      change: Partial<CustomersTable>,
      trx: Db = db,
    ): Promise<boolean> {
      const result = await trx
        .updateTable('customers')
        .set({ ...change, version: version + 1 })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async countCustomers(trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type VaultStore = ReturnType<typeof createVaultStore>;
