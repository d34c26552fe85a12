/** SQL for legal holds: one row per held customer, the stated reason sealed under their key. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';

export interface LegalHold {
  customerId: string;
  reasonSealed: Buffer;
  placedBy: string;
  placedAt: number;
}

export function createLegalHoldStore(db: Kysely<Database>) {
  return {
    async get(customerId: string): Promise<LegalHold | undefined> {
      const row = await db
        .selectFrom('legal_holds')
        .selectAll()
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return (
        row && {
          customerId: row.customer_id,
          reasonSealed: row.reason_sealed,
          placedBy: row.placed_by,
          placedAt: Number(row.placed_at),
        }
      );
    },

    /** True when the customer is held, read in the erasure's own transaction (a hold placed meanwhile wins). */
    async heldIn(customerId: string, trx: Transaction<Database>): Promise<boolean> {
      const row = await trx
        .selectFrom('legal_holds')
        .select('customer_id')
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Place or replace the hold on a customer. */
    async put(hold: LegalHold): Promise<void> {
      const values = {
        customer_id: hold.customerId,
        reason_sealed: hold.reasonSealed,
        placed_by: hold.placedBy,
        placed_at: hold.placedAt,
      };
      await db
        .insertInto('legal_holds')
        .values(values)
        .onConflict((oc) =>
          oc.column('customer_id').doUpdateSet({
            reason_sealed: values.reason_sealed,
            placed_by: values.placed_by,
            placed_at: values.placed_at,
          }),
        )
        .execute();
    },

    /** Lift the hold; false when there was none. */
    async remove(customerId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('legal_holds')
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type LegalHoldStore = ReturnType<typeof createLegalHoldStore>;
