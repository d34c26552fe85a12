/**
 * SQL for consents: one row per customer and purpose once the customer has said something, as
 * `ConsentRecord`s (consents.types.ts).
 */
import type { Kysely } from 'kysely';
import type { ConsentsTable, Database } from '../platform/database/schema.ts';
import type { ConsentRecord } from './consents.types.ts';

const IN_LIST_CHUNK = 500;

const toRecord = (row: ConsentsTable): ConsentRecord => ({
  customerId: row.customer_id,
  purpose: row.purpose,
  granted: Number(row.granted) === 1,
  source: row.source,
  updatedBy: row.updated_by,
  updatedAt: Number(row.updated_at),
});

export function createConsentStore(db: Kysely<Database>) {
  return {
    async forCustomer(customerId: string): Promise<ConsentRecord[]> {
      const rows = await db
        .selectFrom('consents')
        .selectAll()
        .where('customer_id', '=', customerId)
        .execute();
      return rows.map(toRecord);
    },
    async set(consent: ConsentRecord): Promise<void> {
      const row: ConsentsTable = {
        customer_id: consent.customerId,
        purpose: consent.purpose,
        granted: consent.granted ? 1 : 0,
        source: consent.source,
        updated_by: consent.updatedBy,
        updated_at: consent.updatedAt,
      };
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
    /** The stored choices of some customers for some purposes (missing ones mean "never asked"). */
    async among(customerIds: readonly string[], purposes: readonly string[]): Promise<ConsentRecord[]> {
      const out: ConsentRecord[] = [];
      for (let i = 0; i < customerIds.length; i += IN_LIST_CHUNK) {
        const chunk = customerIds.slice(i, i + IN_LIST_CHUNK);
        const rows = await db
          .selectFrom('consents')
          .selectAll()
          .where('customer_id', 'in', chunk)
          .where('purpose', 'in', purposes)
          .execute();
        out.push(...rows.map(toRecord));
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
