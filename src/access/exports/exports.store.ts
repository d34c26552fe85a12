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
      const result = await db
        .updateTable('exports')
        .set(set)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type ExportStore = ReturnType<typeof createExportStore>;
