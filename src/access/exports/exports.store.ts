/** SQL for export requests and their four-eyes decisions. */
import type { Kysely } from 'kysely';
import type { Database, ExportsTable } from '../../platform/database/schema.ts';

export function createExportStore(db: Kysely<Database>) {
  return {
    async insert(row: ExportsTable): Promise<void> {
      await db.insertInto('exports').values(row).execute();
    },
    async byId(id: string): Promise<ExportsTable | undefined> {
      return db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async pending(limit: number): Promise<ExportsTable[]> {
      return db
        .selectFrom('exports')
        .selectAll()
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },
    /** Move an export from one status to the next; false when it was not in `from` (someone was first). */
    async transition(
      id: string,
      from: string,
      change: Partial<ExportsTable> & { status: string },
    ): Promise<boolean> {
      const result = await db
        .updateTable('exports')
        .set(change)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type ExportStore = ReturnType<typeof createExportStore>;
