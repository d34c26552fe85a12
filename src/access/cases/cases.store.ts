/**
 * SQL for cases, their assignees and customer-present codes. Cases come and go as `CaseRecord`s
 * (cases.types.ts): the rows and their column names stay in this file.
 */
import type { Kysely, Selectable } from 'kysely';
import type { CasesTable, Database } from '../../platform/database/schema.ts';
import type { CaseChannel, CasePurpose } from '../policy/access-query.ts';
import type { CaseRecord, CaseSummary } from './cases.types.ts';
import type { ChangeVersions } from '../../platform/cache/change-versions.ts';
import { createVersionedCache } from '../../platform/cache/versioned-cache.ts';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toSummary(row: Selectable<CasesTable>): CaseSummary {
  return {
    id: row.id,
    customerId: row.customer_id,
    purpose: row.purpose as CasePurpose,
    channel: row.channel as CaseChannel,
    status: row.status as CaseRecord['status'],
    breakGlass: Number(row.break_glass) === 1,
    reasonSealed: row.reason_sealed,
    openedBy: row.opened_by,
    openedAt: Number(row.opened_at),
    expiresAt: Number(row.expires_at),
    closedAt: orNull(row.closed_at),
    closedBy: row.closed_by,
    customerPresentAt: orNull(row.customer_present_at),
    presenceFailures: Number(row.presence_failures),
    reviewDueAt: orNull(row.review_due_at),
    reviewedAt: orNull(row.reviewed_at),
    reviewedBy: row.reviewed_by,
    reviewOutcome: row.review_outcome,
    reviewAlertedAt: orNull(row.review_alerted_at),
  };
}

function toRow(c: CaseRecord): CasesTable {
  return {
    id: c.id,
    customer_id: c.customerId,
    purpose: c.purpose,
    channel: c.channel,
    status: c.status,
    break_glass: c.breakGlass ? 1 : 0,
    reason_sealed: c.reasonSealed,
    opened_by: c.openedBy,
    opened_at: c.openedAt,
    expires_at: c.expiresAt,
    closed_at: c.closedAt,
    closed_by: c.closedBy,
    customer_present_at: c.customerPresentAt,
    presence_failures: c.presenceFailures,
    review_due_at: c.reviewDueAt,
    reviewed_at: c.reviewedAt,
    reviewed_by: c.reviewedBy,
    review_outcome: c.reviewOutcome,
    review_alerted_at: c.reviewAlertedAt,
  };
}

export function createCaseStore(db: Kysely<Database>) {
  async function assigneesOf(caseId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('case_assignees')
      .select('staff_id')
      .where('case_id', '=', caseId)
      .execute();
    return rows.map((a) => a.staff_id);
  }

  /** Each case with its assignees, one round trip per case (as `byId`). */
  async function withAssignees(rows: Selectable<CasesTable>[]): Promise<CaseRecord[]> {
    const out: CaseRecord[] = [];
    for (const row of rows) out.push({ ...toSummary(row), assignees: await assigneesOf(row.id) });
    return out;
  }

  return {
    /** Store a new case and its assignees (assigned by `assignedBy` when it opened) in one transaction. */
    async insertCase(record: CaseRecord, assignedBy: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('cases').values(toRow(record)).execute();
        if (record.assignees.length > 0) {
          await trx
            .insertInto('case_assignees')
            .values(
              record.assignees.map((staffId) => ({
                case_id: record.id,
                staff_id: staffId,
                assigned_by: assignedBy,
                assigned_at: record.openedAt,
              })),
            )
            .execute();
        }
      });
    },

    /** A case and who is assigned to it, in one round trip per table. */
    async byId(id: string): Promise<CaseRecord | undefined> {
      const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return { ...toSummary(row), assignees: await assigneesOf(id) };
    },

    /** Open cases assigned to a staff member, newest first. */
    async openFor(staffId: string, now: number, limit: number): Promise<CaseRecord[]> {
      const rows = await db
        .selectFrom('cases')
        .innerJoin('case_assignees', 'case_assignees.case_id', 'cases.id')
        .selectAll('cases')
        .where('case_assignees.staff_id', '=', staffId)
        .where('cases.status', '=', 'open')
        .where('cases.expires_at', '>', now)
        .orderBy('cases.opened_at', 'desc')
        .limit(limit)
        .execute();
      return withAssignees(rows);
    },

    /**
     * Did the customer prove presence (their code) on another case assigned to this staff member opened
     * since `since`? A contact the customer started: a later staff-initiated reveal follows it up.
     */
    async presentOnOtherCaseSince(
      customerId: string,
      staffId: string,
      since: number,
      exceptCaseId: string,
    ): Promise<boolean> {
      const row = await db
        .selectFrom('cases')
        .innerJoin('case_assignees', 'case_assignees.case_id', 'cases.id')
        .select('cases.id')
        .where('cases.customer_id', '=', customerId)
        .where('case_assignees.staff_id', '=', staffId)
        .where('cases.opened_at', '>=', since)
        .where('cases.customer_present_at', 'is not', null)
        .where('cases.id', '!=', exceptCaseId)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Assign a staff member; false when they already were. */
    async addAssignee(assignment: {
      caseId: string;
      staffId: string;
      assignedBy: string;
      assignedAt: number;
    }): Promise<boolean> {
      const result = await db
        .insertInto('case_assignees')
        .values({
          case_id: assignment.caseId,
          staff_id: assignment.staffId,
          assigned_by: assignment.assignedBy,
          assigned_at: assignment.assignedAt,
        })
        .onConflict((oc) => oc.columns(['case_id', 'staff_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** The ids of a customer's open cases (erasure closes them). */
    async openIdsOfCustomer(customerId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('cases')
        .select('id')
        .where('customer_id', '=', customerId)
        .where('status', '=', 'open')
        .execute();
      return rows.map((r) => r.id);
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

    /** Break-glass cases whose review is still open, oldest due first, with their assignees. */
    async pendingReviews(limit: number): Promise<CaseRecord[]> {
      const rows = await db
        .selectFrom('cases')
        .selectAll()
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .orderBy('review_due_at', 'asc')
        .limit(limit)
        .execute();
      return withAssignees(rows);
    },

    /** Break-glass cases past their review date, unreviewed, whose overdue alert is not raised yet. */
    async overdueUnalertedReviews(now: number, limit: number): Promise<CaseSummary[]> {
      const rows = await db
        .selectFrom('cases')
        .selectAll()
        .where('break_glass', '=', 1)
        .where('reviewed_at', 'is', null)
        .where('review_due_at', '<', now)
        .where('review_alerted_at', 'is', null)
        .orderBy('review_due_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toSummary);
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

    /** Store a customer's new presence code (its keyed digest only), valid until `expiresAt`. */
    async insertPresenceCode(code: {
      customerId: string;
      codeHash: Buffer;
      expiresAt: number;
      createdAt: number;
    }): Promise<void> {
      await db
        .insertInto('presence_codes')
        .values({
          customer_id: code.customerId,
          code_hash: code.codeHash,
          expires_at: code.expiresAt,
          used_at: null,
          created_at: code.createdAt,
        })
        .execute();
    },

    /** Whether a customer's presence code is live (unused, unexpired), without using it. */
    async livePresenceCode(customerId: string, codeHash: Buffer, now: number): Promise<boolean> {
      const row = await db
        .selectFrom('presence_codes')
        .select('customer_id')
        .where('customer_id', '=', customerId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row !== undefined;
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

/** The store with cases by id (with their assignees) kept in memory until `cases` or `case_assignees` change. */
export function withCaseCache(store: CaseStore, changes: ChangeVersions): CaseStore {
  const cache = createVersionedCache<CaseRecord>(changes, ['cases', 'case_assignees']);
  return { ...store, byId: (id) => cache.get(id, () => store.byId(id)) };
}
