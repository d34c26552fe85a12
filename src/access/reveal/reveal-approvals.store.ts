/**
 * SQL for reveal approvals: a request, a second person's decision, and its single use. Approvals come and
 * go as `RevealApprovalRecord`s (reveal-approvals.types.ts).
 *
 * Invariant: every change of state is one conditional UPDATE on the state it leaves (and, for a use, on
 * who, which case and the expiry), so of two concurrent callers at most one sees `true`.
 */
import type { Kysely } from 'kysely';
import type { Database, RevealApprovalsTable } from '../../platform/database/schema.ts';
import type { RevealApprovalRecord, RevealApprovalStatus } from './reveal-approvals.types.ts';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toRecord(row: RevealApprovalsTable): RevealApprovalRecord {
  return {
    id: row.id,
    caseId: row.case_id,
    customerId: row.customer_id,
    purpose: row.purpose,
    requestedBy: row.requested_by,
    fields: JSON.parse(row.fields) as string[],
    reasonSealed: row.reason_sealed,
    status: row.status as RevealApprovalStatus,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    decidedBy: row.decided_by,
    decidedAt: orNull(row.decided_at),
    usedAt: orNull(row.used_at),
  };
}

export function createRevealApprovalStore(db: Kysely<Database>) {
  return {
    async insert(approval: RevealApprovalRecord): Promise<void> {
      await db
        .insertInto('reveal_approvals')
        .values({
          id: approval.id,
          case_id: approval.caseId,
          customer_id: approval.customerId,
          purpose: approval.purpose,
          requested_by: approval.requestedBy,
          fields: JSON.stringify(approval.fields),
          reason_sealed: approval.reasonSealed,
          status: approval.status,
          created_at: approval.createdAt,
          expires_at: approval.expiresAt,
          decided_by: approval.decidedBy,
          decided_at: approval.decidedAt,
          used_at: approval.usedAt,
        })
        .execute();
    },

    async byId(id: string): Promise<RevealApprovalRecord | undefined> {
      const row = await db.selectFrom('reveal_approvals').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Pending requests not yet expired at `now`, oldest first. */
    async pending(now: number, limit: number): Promise<RevealApprovalRecord[]> {
      const rows = await db
        .selectFrom('reveal_approvals')
        .selectAll()
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
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
