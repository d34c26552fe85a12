/** SQL for automatic suspensions and their review (suspensions.service.ts says what they mean). */
import type { Kysely } from 'kysely';
import type { Database, RiskSuspensionsTable } from '../../platform/database/schema.ts';
import type { SuspensionRecord } from './suspensions.types.ts';

const toRecord = (row: RiskSuspensionsTable): SuspensionRecord => ({
  id: row.id,
  staffId: row.staff_id,
  suspendedAt: Number(row.suspended_at),
  reviewDueAt: Number(row.review_due_at),
  reviewedAt: row.reviewed_at === null ? null : Number(row.reviewed_at),
  reviewedBy: row.reviewed_by,
  outcome: row.outcome as SuspensionRecord['outcome'],
  reason: row.reason,
});

export function createSuspensionStore(db: Kysely<Database>) {
  return {
    async insert(s: {
      id: string;
      staffId: string;
      suspendedAt: number;
      reviewDueAt: number;
    }): Promise<void> {
      await db
        .insertInto('risk_suspensions')
        .values({
          id: s.id,
          staff_id: s.staffId,
          suspended_at: s.suspendedAt,
          review_due_at: s.reviewDueAt,
          reviewed_at: null,
          reviewed_by: null,
          outcome: null,
          reason: null,
          overdue_alerted_at: null,
        })
        .execute();
    },

    async byId(id: string): Promise<SuspensionRecord | undefined> {
      const row = await db.selectFrom('risk_suspensions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async unreviewed(): Promise<SuspensionRecord[]> {
      const rows = await db
        .selectFrom('risk_suspensions')
        .selectAll()
        .where('reviewed_at', 'is', null)
        .orderBy('suspended_at')
        .execute();
      return rows.map(toRecord);
    },

    /** Record the review once: false when someone reviewed it first. */
    async review(id: string, by: string, at: number, outcome: string, reason: string): Promise<boolean> {
      const result = await db
        .updateTable('risk_suspensions')
        .set({ reviewed_at: at, reviewed_by: by, outcome, reason })
        .where('id', '=', id)
        .where('reviewed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Unreviewed suspensions past due whose overdue alert is not raised yet; each claimed once. */
    async claimOverdue(now: number): Promise<SuspensionRecord[]> {
      const due = await db
        .selectFrom('risk_suspensions')
        .selectAll()
        .where('reviewed_at', 'is', null)
        .where('overdue_alerted_at', 'is', null)
        .where('review_due_at', '<', now)
        .execute();
      const claimed: SuspensionRecord[] = [];
      for (const row of due) {
        const result = await db
          .updateTable('risk_suspensions')
          .set({ overdue_alerted_at: now })
          .where('id', '=', row.id)
          .where('overdue_alerted_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1) claimed.push(toRecord(row));
      }
      return claimed;
    },
  };
}

export type SuspensionStore = ReturnType<typeof createSuspensionStore>;
