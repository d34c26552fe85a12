/** SQL for staff training records (`staff_training`), as `TrainingRecord`s (training.types.ts). */
import type { Kysely } from 'kysely';
import type { Database, StaffTrainingTable } from '../../platform/database/schema.ts';
import type { TrainingRecord, TrainingSource } from './training.types.ts';

const toRecord = (row: StaffTrainingTable): TrainingRecord => ({
  id: row.id,
  staffId: row.staff_id,
  course: row.course,
  completedAt: Number(row.completed_at),
  expiresAt: Number(row.expires_at),
  source: row.source as TrainingSource,
  recordedAt: Number(row.recorded_at),
});

export function createTrainingStore(db: Kysely<Database>) {
  return {
    async insert(r: TrainingRecord): Promise<void> {
      await db
        .insertInto('staff_training')
        .values({
          id: r.id,
          staff_id: r.staffId,
          course: r.course,
          completed_at: r.completedAt,
          expires_at: r.expiresAt,
          source: r.source,
          recorded_at: r.recordedAt,
        })
        .execute();
    },

    /** The record with these facts already stored, if any (a replay). */
    async same(r: Pick<TrainingRecord, 'staffId' | 'course' | 'completedAt' | 'expiresAt'>) {
      const row = await db
        .selectFrom('staff_training')
        .selectAll()
        .where('staff_id', '=', r.staffId)
        .where('course', '=', r.course)
        .where('completed_at', '=', r.completedAt)
        .where('expires_at', '=', r.expiresAt)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** A staff member's records, newest completion first. */
    async forStaff(staffId: string): Promise<TrainingRecord[]> {
      const rows = await db
        .selectFrom('staff_training')
        .selectAll()
        .where('staff_id', '=', staffId)
        .orderBy('completed_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toRecord);
    },

    /** The latest expiry of the member's records of `course` (epoch ms), or null for none. */
    async expiresAt(staffId: string, course: string): Promise<number | null> {
      const row = await db
        .selectFrom('staff_training')
        .select((eb) => eb.fn.max('expires_at').as('at'))
        .where('staff_id', '=', staffId)
        .where('course', '=', course)
        .executeTakeFirst();
      return row?.at == null ? null : Number(row.at);
    },
  };
}

export type TrainingStore = ReturnType<typeof createTrainingStore>;
