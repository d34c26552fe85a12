/**
 * SQL for export requests and their four-eyes decisions. Exports come and go as `ExportRecord`s
 * (exports.types.ts).
 *
 * Invariant: a status changes only by one conditional UPDATE on the status it leaves, so of two concurrent
 * callers at most one moves it.
 */
import type { Kysely, Updateable } from 'kysely';
import type { Database, ExportsTable } from '../../platform/database/schema.ts';
import type { ExportKind, ExportRecord, ExportStatus, ExportTransition } from './exports.types.ts';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toRecord(row: ExportsTable): ExportRecord {
  return {
    id: row.id,
    kind: row.kind as ExportKind,
    purpose: row.purpose,
    requestedBy: row.requested_by,
    spec: JSON.parse(row.spec) as ExportRecord['spec'],
    status: row.status as ExportStatus,
    createdAt: Number(row.created_at),
    decidedBy: row.decided_by,
    decidedAt: orNull(row.decided_at),
    completedAt: orNull(row.completed_at),
    resultCount: orNull(row.result_count),
    runnableAfter: orNull(row.runnable_after),
  };
}

export function createExportStore(db: Kysely<Database>) {
  return {
    async insert(request: ExportRecord): Promise<void> {
      await db
        .insertInto('exports')
        .values({
          id: request.id,
          kind: request.kind,
          purpose: request.purpose,
          requested_by: request.requestedBy,
          spec: JSON.stringify(request.spec),
          status: request.status,
          created_at: request.createdAt,
          decided_by: request.decidedBy,
          decided_at: request.decidedAt,
          completed_at: request.completedAt,
          result_count: request.resultCount,
          runnable_after: request.runnableAfter,
        })
        .execute();
    },
    async byId(id: string): Promise<ExportRecord | undefined> {
      const row = await db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },
    async pending(limit: number): Promise<ExportRecord[]> {
      const rows = await db
        .selectFrom('exports')
        .selectAll()
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },
    /** Move an export from one status to the next; false when it was not in `from` (someone was first). */
    async transition(id: string, from: ExportStatus, change: ExportTransition): Promise<boolean> {
      const set: Updateable<ExportsTable> = { status: change.status };
      if (change.decidedBy !== undefined) set.decided_by = change.decidedBy;
      if (change.decidedAt !== undefined) set.decided_at = change.decidedAt;
      if (change.completedAt !== undefined) set.completed_at = change.completedAt;
      if (change.resultCount !== undefined) set.result_count = change.resultCount;
      if (change.runnableAfter !== undefined) set.runnable_after = change.runnableAfter;
      const result = await db
        .updateTable('exports')
        .set(set)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Record one security member's approval of an export; false when they had already approved it. */
    async addApproval(exportId: string, approverId: string, at: number): Promise<boolean> {
      const result = await db
        .insertInto('export_approvals')
        .values({ export_id: exportId, approver_id: approverId, approved_at: at })
        .onConflict((oc) => oc.columns(['export_id', 'approver_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Who approved an export, in the order they did. */
    async approvalsOf(exportId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('export_approvals')
        .select('approver_id')
        .where('export_id', '=', exportId)
        .orderBy('approved_at')
        .execute();
      return rows.map((r) => r.approver_id);
    },

    /** The specs of the record exports a staff member asked for since `since`, except those rejected. */
    async requestedSince(staffId: string, since: number): Promise<ExportRecord['spec'][]> {
      const rows = await db
        .selectFrom('exports')
        .select('spec')
        .where('requested_by', '=', staffId)
        .where('kind', '=', 'records')
        .where('status', '!=', 'rejected')
        .where('created_at', '>=', since)
        .execute();
      return rows.map((r) => JSON.parse(r.spec) as ExportRecord['spec']);
    },

    /** The specs of the record exports a security member approved since `since`, except those rejected. */
    async approvedSince(approverId: string, since: number): Promise<ExportRecord['spec'][]> {
      const rows = await db
        .selectFrom('export_approvals')
        .innerJoin('exports', 'exports.id', 'export_approvals.export_id')
        .select('exports.spec')
        .where('export_approvals.approver_id', '=', approverId)
        .where('export_approvals.approved_at', '>=', since)
        .where('exports.kind', '=', 'records')
        .where('exports.status', '!=', 'rejected')
        .execute();
      return rows.map((r) => JSON.parse(r.spec) as ExportRecord['spec']);
    },
  };
}

export type ExportStore = ReturnType<typeof createExportStore>;
