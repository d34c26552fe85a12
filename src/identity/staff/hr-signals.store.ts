/** SQL for HR signals (`hr_signals`), as `HrSignalRecord`s (hr-signals.types.ts). */
import type { Kysely } from 'kysely';
import type { Database, HrSignalsTable } from '../../platform/database/schema.ts';
import type { HrSignalKind, HrSignalRecord, HrStatus } from './hr-signals.types.ts';
import type { StaffRole } from './staff.types.ts';

const toRecord = (row: HrSignalsTable): HrSignalRecord => ({
  id: row.id,
  staffId: row.staff_id,
  signal: row.signal as HrSignalKind,
  role: row.role as StaffRole | null,
  effectiveAt: Number(row.effective_at),
  receivedAt: Number(row.received_at),
});

export function createHrSignalStore(db: Kysely<Database>) {
  return {
    async insert(signal: HrSignalRecord): Promise<void> {
      await db
        .insertInto('hr_signals')
        .values({
          id: signal.id,
          staff_id: signal.staffId,
          signal: signal.signal,
          role: signal.role,
          effective_at: signal.effectiveAt,
          received_at: signal.receivedAt,
        })
        .execute();
    },

    /** The same signal already accepted (same member, kind, role and effective time): a replay. */
    async same(
      s: Pick<HrSignalRecord, 'staffId' | 'signal' | 'role' | 'effectiveAt'>,
    ): Promise<HrSignalRecord | undefined> {
      const row = await db
        .selectFrom('hr_signals')
        .selectAll()
        .where('staff_id', '=', s.staffId)
        .where('signal', '=', s.signal)
        .where('effective_at', '=', s.effectiveAt)
        .where((eb) => (s.role === null ? eb('role', 'is', null) : eb('role', '=', s.role)))
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** The latest `hired` and `resignation_notice` of a staff member, by when they took effect. */
    async status(staffId: string): Promise<HrStatus> {
      const rows = await db
        .selectFrom('hr_signals')
        .select(['signal', (eb) => eb.fn.max('effective_at').as('at')])
        .where('staff_id', '=', staffId)
        .where('signal', 'in', ['hired', 'resignation_notice'])
        .groupBy('signal')
        .execute();
      const at = (signal: string) => {
        const found = rows.find((r) => r.signal === signal);
        return found?.at == null ? null : Number(found.at);
      };
      return { resignationNoticeAt: at('resignation_notice'), hiredAt: at('hired') };
    },
  };
}

export type HrSignalStore = ReturnType<typeof createHrSignalStore>;
