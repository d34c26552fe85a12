/**
 * SQL for the limits on break-glass: how many a staff member opened lately and how many await review
 * (over the `cases` table), a review that withdraws break-glass in the same transaction, and the
 * withdrawals security lifts.
 *
 * Invariant: an unjustified review and the withdrawal it causes are one transaction, so a review can never
 * be recorded without taking break-glass away.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';

export interface BreakGlassWithdrawal {
  staffId: string;
  caseId: string;
  withdrawnBy: string;
  withdrawnAt: number;
}

export function createBreakGlassStore(db: Kysely<Database>) {
  return {
    /** Break-glass cases this staff member opened at or after `since`, and how many of theirs await review. */
    async usage(staffId: string, since: number): Promise<{ openedSince: number; unreviewed: number }> {
      const row = await db
        .selectFrom('cases')
        .select((eb) => [
          eb.fn
            .sum<number>(eb.case().when('opened_at', '>=', since).then(1).else(0).end())
            .as('opened_since'),
          eb.fn.sum<number>(eb.case().when('reviewed_at', 'is', null).then(1).else(0).end()).as('unreviewed'),
        ])
        .where('opened_by', '=', staffId)
        .where('break_glass', '=', 1)
        .executeTakeFirst();
      return { openedSince: Number(row?.opened_since ?? 0), unreviewed: Number(row?.unreviewed ?? 0) };
    },

    async withdrawal(staffId: string): Promise<BreakGlassWithdrawal | undefined> {
      const row = await db
        .selectFrom('break_glass_withdrawals')
        .selectAll()
        .where('staff_id', '=', staffId)
        .executeTakeFirst();
      return (
        row && {
          staffId: row.staff_id,
          caseId: row.case_id,
          withdrawnBy: row.withdrawn_by,
          withdrawnAt: Number(row.withdrawn_at),
        }
      );
    },

    /**
     * Record the review of a break-glass case and, when `withdraw` is given, withdraw the opener's
     * break-glass, in one transaction. False when the case was already reviewed (nothing changes).
     */
    async review(
      review: { caseId: string; by: string; outcome: string; at: number },
      withdraw?: { staffId: string },
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('cases')
          .set({ reviewed_at: review.at, reviewed_by: review.by, review_outcome: review.outcome })
          .where('id', '=', review.caseId)
          .where('break_glass', '=', 1)
          .where('reviewed_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        if (withdraw) {
          await trx
            .insertInto('break_glass_withdrawals')
            .values({
              staff_id: withdraw.staffId,
              case_id: review.caseId,
              withdrawn_by: review.by,
              withdrawn_at: review.at,
            })
            .onConflict((oc) => oc.column('staff_id').doNothing())
            .execute();
        }
        return true;
      });
    },

    /** Lift a withdrawal; false when there was none. */
    async restore(staffId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('break_glass_withdrawals')
        .where('staff_id', '=', staffId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type BreakGlassStore = ReturnType<typeof createBreakGlassStore>;
