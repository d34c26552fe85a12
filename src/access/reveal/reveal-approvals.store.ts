/**
 * SQL for reveal approvals: a request, a second person's decision, and its single use.
 *
 * Invariant: every change of state is one conditional UPDATE on the state it leaves (and, for a use, on
 * who, which case and the expiry), so of two concurrent callers at most one sees `true`.
 */
import type { Kysely } from 'kysely';
import type { Database, RevealApprovalsTable } from '../../platform/database/schema.ts';

export function createRevealApprovalStore(db: Kysely<Database>) {
  return {
    async insert(row: RevealApprovalsTable): Promise<void> {
      await db.insertInto('reveal_approvals').values(row).execute();
    },

    async byId(id: string): Promise<RevealApprovalsTable | undefined> {
      return db.selectFrom('reveal_approvals').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Pending requests not yet expired at `now`, oldest first. */
    async pending(now: number, limit: number): Promise<RevealApprovalsTable[]> {
      return db
        .selectFrom('reveal_approvals')
        .selectAll()
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },

    /** Approve or reject a pending, unexpired request; false when it was not (someone was first, or time ran out). */
    async decide(
      id: string,
      change: { status: 'approved' | 'rejected'; decidedBy: string; at: number },
    ): Promise<boolean> {
      const result = await db
        .updateTable('reveal_approvals')
        .set({ status: change.status, decided_by: change.decidedBy, decided_at: change.at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', change.at)
        .where('requested_by', '!=', change.decidedBy)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Use an approved, unexpired approval once: only its requester, only on its case. False when any of
     * that does not hold, or another use came first.
     */
    async use(id: string, by: { staffId: string; caseId: string; at: number }): Promise<boolean> {
      const result = await db
        .updateTable('reveal_approvals')
        .set({ status: 'used', used_at: by.at })
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .where('requested_by', '=', by.staffId)
        .where('case_id', '=', by.caseId)
        .where('expires_at', '>', by.at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type RevealApprovalStore = ReturnType<typeof createRevealApprovalStore>;
