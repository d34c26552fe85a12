/** SQL for quota raises waiting for (or decided by) security, as `QuotaRaiseRecord`s. */
import type { Kysely } from 'kysely';
import type { Database, QuotaRaisesTable } from '../../platform/database/schema.ts';
import type { QuotaRaiseRecord, QuotaRaiseStatus } from './quota-raises.types.ts';

const toRecord = (row: QuotaRaisesTable): QuotaRaiseRecord => ({
  id: row.id,
  staffId: row.staff_id,
  quota: row.quota,
  max: Number(row.max),
  hours: Number(row.hours),
  requestedBy: row.requested_by,
  status: row.status as QuotaRaiseStatus,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at === null ? null : Number(row.decided_at),
  createdAt: Number(row.created_at),
});

export function createQuotaRaiseStore(db: Kysely<Database>) {
  return {
    async insert(r: QuotaRaiseRecord): Promise<void> {
      await db
        .insertInto('quota_raises')
        .values({
          id: r.id,
          staff_id: r.staffId,
          quota: r.quota,
          max: r.max,
          hours: r.hours,
          requested_by: r.requestedBy,
          status: r.status,
          decided_by: r.decidedBy,
          decided_at: r.decidedAt,
          created_at: r.createdAt,
        })
        .execute();
    },
    async byId(id: string): Promise<QuotaRaiseRecord | undefined> {
      const row = await db.selectFrom('quota_raises').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },
    /** Raises still waiting that were asked for after `since`, oldest first. */
    async pending(since: number): Promise<QuotaRaiseRecord[]> {
      const rows = await db
        .selectFrom('quota_raises')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '>', since)
        .orderBy('created_at')
        .limit(200)
        .execute();
      return rows.map(toRecord);
    },
    /** Pending → `status`; false if it was decided already. */
    async decide(id: string, change: { status: QuotaRaiseStatus; decidedBy: string; at: number }) {
      const result = await db
        .updateTable('quota_raises')
        .set({ status: change.status, decided_by: change.decidedBy, decided_at: change.at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type QuotaRaiseStore = ReturnType<typeof createQuotaRaiseStore>;
