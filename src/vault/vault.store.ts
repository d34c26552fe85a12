/**
 * SQL for customers: sealed rows, blind-index lookups, optimistic updates.
 *
 * A customer's row is exported as `CustomerRow` on purpose: sealing.ts builds it (every field sealed, the
 * masked view, blind indexes) and import sealing workers build a million of them, which go to the bulk
 * insert as they are, without a per-row copy. Only sealing.ts reads its columns; the vault service and the
 * importer hand it through unopened.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BlindIndexKind } from '../crypto/blind-index.ts';
import { type BulkInsert, kyselyBulkInsert } from '../platform/database/bulk-insert.ts';
import type { DatabaseTransaction } from '../platform/database/database.ts';
import type { CustomersTable, Database } from '../platform/database/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A customer as stored: sealed fields, blind indexes and the sealed masked view (see sealing.ts). */
export type CustomerRow = CustomersTable;

/**
 * The search indexes over blind indexes (migration 2026-11-23T1200_foundation), without the unique one on
 * account IDs, which duplicate detection needs at every insert. Only searches use these: an initial load
 * builds them once at the end (one sort each) instead of inserting a million random keys into each.
 */
const SEARCH_INDEXES = [
  { name: 'customers_phone_bidx', column: 'phone_bidx' },
  { name: 'customers_email_bidx', column: 'email_bidx' },
  { name: 'customers_national_id_bidx', column: 'national_id_bidx' },
] as const;

const bidxColumn = {
  phone: 'phone_bidx',
  email: 'email_bidx',
  account_id: 'account_id_bidx',
  national_id: 'national_id_bidx',
} as const satisfies Record<BlindIndexKind, keyof CustomerRow>;

export function createVaultStore(db: Kysely<Database>, bulkInsert: BulkInsert = kyselyBulkInsert()) {
  return {
    /** Run `work` in one transaction: a customer's row and its data key (keyring) commit together. */
    transaction<T>(work: (trx: DatabaseTransaction) => Promise<T>): Promise<T> {
      return db.transaction().execute(work);
    },

    async insertCustomers(rows: CustomerRow[], trx: Db = db): Promise<void> {
      await bulkInsert(trx, 'customers', rows);
    },

    async customerById(id: string, trx: Db = db): Promise<CustomerRow | undefined> {
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
    async insertNewCustomers(rows: CustomerRow[], trx: Db): Promise<Set<string>> {
      return (await bulkInsert.skippingConflicts(trx, 'customers', rows, 'id')) as Set<string>;
    },

    /**
     * Apply sealed columns (from `sealChange`) if the row is still at `version`, bumping it; false when
     * someone else changed it first.
     */
    async updateCustomer(
      id: string,
      version: number,
      sealed: Partial<CustomerRow>,
      updatedAt: number,
      trx: Db = db,
    ): Promise<boolean> {
      const result = await trx
        .updateTable('customers')
        .set({ ...sealed, updated_at: updatedAt, version: version + 1 })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Delete a customer's row (erasure); false when there was none. */
    async deleteCustomer(id: string, trx: Db = db): Promise<boolean> {
      const result = await trx.deleteFrom('customers').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** True when no customer is stored: an import into it is an initial load. */
    async isEmpty(trx: Db = db): Promise<boolean> {
      return (await trx.selectFrom('customers').select('id').limit(1).executeTakeFirst()) === undefined;
    },

    /**
     * Drop the search indexes for an initial load. Searches stay correct meanwhile (a table scan), and
     * `buildSearchIndexes` puts them back — at the end of the load, or at the next start after a crash.
     */
    async dropSearchIndexes(trx: Db = db): Promise<void> {
      for (const index of SEARCH_INDEXES) await trx.schema.dropIndex(index.name).ifExists().execute();
    },

    /** Create whichever search index is missing (none missing: nothing to do). */
    async buildSearchIndexes(trx: Db = db): Promise<void> {
      for (const index of SEARCH_INDEXES)
        await trx.schema.createIndex(index.name).ifNotExists().on('customers').column(index.column).execute();
    },

    /**
     * Refresh the planner's statistics of the customers table after a bulk load: PostgreSQL, not yet told how
     * selective a blind index is, would walk the primary key to answer a search (a scan of every row).
     */
    async analyze(trx: Db = db): Promise<void> {
      await sql`analyze customers`.execute(trx);
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
