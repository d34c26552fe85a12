/** SQL for announcements of approvals to the approving role (announcements.ts). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { Announcement } from './announcements.types.ts';

export function createAnnouncementStore(db: Kysely<Database>) {
  return {
    async insert(a: Announcement): Promise<void> {
      await db
        .insertInto('announcements')
        .values({
          id: a.id,
          role: a.role,
          kind: a.kind,
          subject_id: a.subjectId,
          requested_by: a.requestedBy,
          decided_by: a.decidedBy,
          created_at: a.createdAt,
        })
        .execute();
    },
    /** The newest announcements to `role` that `staffId` did not make. */
    async forRole(role: string, staffId: string, limit: number): Promise<Announcement[]> {
      const rows = await db
        .selectFrom('announcements')
        .selectAll()
        .where('role', '=', role)
        .where('decided_by', '!=', staffId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        role: row.role,
        kind: row.kind,
        subjectId: row.subject_id,
        requestedBy: row.requested_by,
        decidedBy: row.decided_by,
        createdAt: Number(row.created_at),
      }));
    },
  };
}

export type AnnouncementStore = ReturnType<typeof createAnnouncementStore>;
