/** SQL for the ledger: entries, tiles, checkpoints, and the sequencer's lock. */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DatabaseHandle } from '../platform/database/database.ts';
import type {
  Database,
  LedgerCheckpointsTable,
  LedgerEntriesTable,
  LedgerTilesTable,
} from '../platform/database/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Arbitrary but fixed: the PostgreSQL advisory-lock key of the one ledger sequencer. */
const SEQUENCER_LOCK = 0x637573746f73; // "custos"

export function createLedgerStore({
  db,
  dialect,
  bulkInsert,
}: Pick<DatabaseHandle, 'db' | 'dialect' | 'bulkInsert'>) {
  return {
    /** Number of entries stored (one past the highest index). */
    async size(trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.max('idx').as('top'))
        .executeTakeFirst();
      return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
    },

    /**
     * Serialise appenders across processes, first thing in the append transaction. PostgreSQL: a
     * transaction-scoped advisory lock. SQLite: a write that changes nothing takes the database's write
     * lock now, before any read, so the size read next cannot go stale before our insert.
     */
    async lockSequencer(trx: Transaction<Database>): Promise<void> {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(trx);
      else await sql`update ledger_tiles set level = level where 0`.execute(trx);
    },

    async insertEntries(rows: LedgerEntriesTable[], trx: Transaction<Database>): Promise<void> {
      await bulkInsert(trx, 'ledger_entries', rows);
    },

    async writeTiles(tiles: LedgerTilesTable[], trx: Transaction<Database>): Promise<void> {
      for (const tile of tiles) {
        await trx
          .insertInto('ledger_tiles')
          .values(tile)
          .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ hashes: tile.hashes }))
          .execute();
      }
    },

    async tile(level: number, idx: number, trx: Db = db): Promise<LedgerTilesTable | undefined> {
      return trx
        .selectFrom('ledger_tiles')
        .selectAll()
        .where('level', '=', level)
        .where('idx', '=', idx)
        .executeTakeFirst();
    },

    async entry(idx: number, trx: Db = db): Promise<LedgerEntriesTable | undefined> {
      return trx.selectFrom('ledger_entries').selectAll().where('idx', '=', idx).executeTakeFirst();
    },

    /** Entries in index order from `fromIdx`, for verification and export. */
    async entriesFrom(fromIdx: number, limit: number, trx: Db = db): Promise<LedgerEntriesTable[]> {
      return trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('idx', '>=', fromIdx)
        .orderBy('idx')
        .limit(limit)
        .execute();
    },

    async insertCheckpoint(row: LedgerCheckpointsTable, trx: Db = db): Promise<void> {
      await trx
        .insertInto('ledger_checkpoints')
        .values(row)
        .onConflict((oc) => oc.column('size').doNothing())
        .execute();
    },

    async latestCheckpoint(trx: Db = db): Promise<LedgerCheckpointsTable | undefined> {
      return trx
        .selectFrom('ledger_checkpoints')
        .selectAll()
        .orderBy('size', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    async checkpoints(trx: Db = db): Promise<LedgerCheckpointsTable[]> {
      return trx.selectFrom('ledger_checkpoints').selectAll().orderBy('size').execute();
    },

    /** Drop the payload of entries older than `before`; the leaf hashes stay in the tiles. */
    async redactBefore(before: number, now: number, trx: Db = db): Promise<number> {
      const result = await trx
        .updateTable('ledger_entries')
        .set({ entry: null, redacted_at: now })
        .where('at', '<', before)
        .where('entry', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type LedgerStore = ReturnType<typeof createLedgerStore>;
