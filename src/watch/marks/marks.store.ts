/** SQL for watch marks: keyed marks of VIPs and co-workers (marks.service.ts says what they mean). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { WatchMark } from './marks.types.ts';

export function createMarkStore(db: Kysely<Database>) {
  return {
    async all(): Promise<WatchMark[]> {
      const rows = await db.selectFrom('watch_marks').select(['mark', 'kind', 'created_at']).execute();
      return rows.map((row) => ({
        mark: Buffer.from(row.mark),
        kind: row.kind as WatchMark['kind'],
        createdAt: Number(row.created_at),
      }));
    },

    /** Set (or change) a mark's kind. */
    async put(mark: WatchMark): Promise<void> {
      await db
        .insertInto('watch_marks')
        .values({ mark: mark.mark, kind: mark.kind, created_at: mark.createdAt })
        .onConflict((oc) => oc.column('mark').doUpdateSet({ kind: mark.kind }))
        .execute();
    },

    async remove(mark: Buffer): Promise<boolean> {
      const result = await db.deleteFrom('watch_marks').where('mark', '=', mark).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type MarkStore = ReturnType<typeof createMarkStore>;
