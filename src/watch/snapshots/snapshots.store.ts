/** SQL for the watcher's snapshots (watcher.service.ts says how they are trusted). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';

export interface WatchSnapshot {
  id: string;
  at: number;
  /** How many ledger entries the state had seen. */
  ledgerSize: number;
  state: Buffer;
}

export function createSnapshotStore(db: Kysely<Database>) {
  return {
    async latest(): Promise<WatchSnapshot | undefined> {
      const row = await db
        .selectFrom('watch_snapshots')
        .selectAll()
        .orderBy('ledger_size', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row
        ? {
            id: row.id,
            at: Number(row.at),
            ledgerSize: Number(row.ledger_size),
            state: Buffer.from(row.state),
          }
        : undefined;
    },

    /** Keep this one and drop older ones (one is enough: each replaces the last). */
    async replace(snapshot: WatchSnapshot): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('watch_snapshots')
          .values({
            id: snapshot.id,
            at: snapshot.at,
            ledger_size: snapshot.ledgerSize,
            state: snapshot.state,
          })
          .execute();
        await trx.deleteFrom('watch_snapshots').where('id', '!=', snapshot.id).execute();
      });
    },
  };
}

export type SnapshotStore = ReturnType<typeof createSnapshotStore>;
