/** SQL for cases, their assignees and customer-present codes. */
import type { Kysely } from 'kysely';
import type {
  CaseAssigneesTable,
  CasesTable,
  Database,
  PresenceCodesTable,
} from '../../platform/database/schema.ts';

export interface CaseWithAssignees extends CasesTable {
  assignees: string[];
}

export function createCaseStore(db: Kysely<Database>) {
  return {
    async insertCase(row: CasesTable, assignees: CaseAssigneesTable[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('cases').values(row).execute();
        if (assignees.length > 0) await trx.insertInto('case_assignees').values(assignees).execute();
      });
    },

    /** A case and who is assigned to it, in one round trip per table. */
    async byId(id: string): Promise<CaseWithAssignees | undefined> {
      const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const assignees = await db
        .selectFrom('case_assignees')
        .select('staff_id')
        .where('case_id', '=', id)
        .execute();
      return { ...row, break_glass: Number(row.break_glass), assignees: assignees.map((a) => a.staff_id) };
    },

    /** Open cases assigned to a staff member, newest first. */
    async openFor(staffId: string, now: number, limit: number): Promise<CasesTable[]> {
      return db
        .selectFrom('cases')
        .innerJoin('case_assignees', 'case_assignees.case_id', 'cases.id')
        .selectAll('cases')
        .where('case_assignees.staff_id', '=', staffId)
        .where('cases.status', '=', 'open')
        .where('cases.expires_at', '>', now)
        .orderBy('cases.opened_at', 'desc')
        .limit(limit)
        .execute();
    },

    async addAssignee(row: CaseAssigneesTable): Promise<boolean> {
      const result = await db
        .insertInto('case_assignees')
        .values(row)
        .onConflict((oc) => oc.columns(['case_id', 'staff_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Close an open case; false when it was not open. */
    async close(id: string, by: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('cases')
        .set({ status: 'closed', closed_at: now, closed_by: by })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async markCustomerPresent(id: string, now: number): Promise<void> {
      await db.updateTable('cases').set({ customer_present_at: now }).where('id', '=', id).execute();
    },

    /** Count one wrong presence code; returns the new count. */
    async countPresenceFailure(id: string): Promise<number> {
      await db
        .updateTable('cases')
        .set((eb) => ({ presence_failures: eb('presence_failures', '+', 1) }))
        .where('id', '=', id)
        .execute();
      const row = await db
        .selectFrom('cases')
        .select('presence_failures')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return Number(row.presence_failures);
    },

    /** Break-glass cases whose review is still open, oldest due first. */
    async pendingReviews(limit: number): Promise<CasesTable[]> {
      return db
        .selectFrom('cases')
        .selectAll()
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .orderBy('review_due_at', 'asc')
        .limit(limit)
        .execute();
    },

    /** Break-glass cases past their review date, unreviewed, whose overdue alert is not raised yet. */
    async overdueUnalertedReviews(now: number, limit: number): Promise<CasesTable[]> {
      return db
        .selectFrom('cases')
        .selectAll()
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .where('review_due_at', '<', now)
        .where('review_alerted_at', 'is', null)
        .orderBy('review_due_at', 'asc')
        .limit(limit)
        .execute();
    },

    /** Claim the overdue alert of a review: true for the first caller only, while it is unreviewed. */
    async claimReviewAlert(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('cases')
        .set({ review_alerted_at: now })
        .where('id', '=', id)
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .where('review_alerted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Give a claim back (the alert could not be raised), so the next run tries again. */
    async releaseReviewAlert(id: string): Promise<void> {
      await db.updateTable('cases').set({ review_alerted_at: null }).where('id', '=', id).execute();
    },

    /** Record the review of a break-glass case; false when it was already reviewed. */
    async review(id: string, by: string, outcome: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('cases')
        .set({ reviewed_at: now, reviewed_by: by, review_outcome: outcome })
        .where('id', '=', id)
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async insertPresenceCode(row: PresenceCodesTable): Promise<void> {
      await db.insertInto('presence_codes').values(row).execute();
    },

    /** Use a customer's presence code once: true for the first caller before it expires. */
    async usePresenceCode(customerId: string, codeHash: Buffer, now: number): Promise<boolean> {
      const result = await db
        .updateTable('presence_codes')
        .set({ used_at: now })
        .where('customer_id', '=', customerId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type CaseStore = ReturnType<typeof createCaseStore>;
