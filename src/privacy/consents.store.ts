/** SQL for consents: one row per customer and purpose once the customer has said something. */
import type { Kysely } from 'kysely';
import type { ConsentsTable, Database } from '../platform/database/schema.ts';

const IN_LIST_CHUNK = 500;

export function createConsentStore(db: Kysely<Database>) {
  return {
    async forCustomer(customerId: string): Promise<ConsentsTable[]> {
      return db.selectFrom('consents').selectAll().where('customer_id', '=', customerId).execute();
    },
    async set(row: ConsentsTable): Promise<void> {
      await db
        .insertInto('consents')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['customer_id', 'purpose']).doUpdateSet({
            granted: row.granted,
            source: row.source,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },
    /** The rows for some customers and purposes (missing rows mean "never asked"). */
    async among(customerIds: readonly string[], purposes: readonly string[]): Promise<ConsentsTable[]> {
      const out: ConsentsTable[] = [];
      for (let i = 0; i < customerIds.length; i += IN_LIST_CHUNK) {
        const chunk = customerIds.slice(i, i + IN_LIST_CHUNK);
        out.push(
          ...(await db
            .selectFrom('consents')
            .selectAll()
            .where('customer_id', 'in', chunk)
            .where('purpose', 'in', purposes)
            .execute()),
        );
      }
      return out;
    },
    /** Customers who granted a purpose, in id order. */
    async grantedTo(purpose: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('consents')
        .select('customer_id')
        .where('purpose', '=', purpose)
        .where('granted', '=', 1)
        .orderBy('customer_id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.customer_id);
    },
  };
}

export type ConsentStore = ReturnType<typeof createConsentStore>;
