/**
 * SQL for the ledger: batched appends of entries and tiles, reads for proofs and verification, checkpoints.
 * Entries, tiles and checkpoints come and go in the camelCase shapes below; the rows stay in this file.
 */
import type { Database as NativeSqlite } from 'better-sqlite3';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DatabaseHandle } from '../platform/database/database.ts';
import { type BatchRequest, sealBatch } from './batch-seal.ts';
import { type CommitWorker, createCommitWorker } from './commit-worker.ts';
import type { LedgerBatch, NewLedgerEntry, StoredTile } from './ledger-rows.ts';
import type { TreeState } from './tree-state.ts';
import type {
  Database,
  LedgerCheckpointsTable,
  LedgerEntriesTable,
  LedgerTilesTable,
} from '../platform/database/schema.ts';

export type { LedgerBatch, NewLedgerEntry, StoredTile } from './ledger-rows.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Arbitrary but fixed: the PostgreSQL advisory-lock key of the one ledger sequencer. */
const SEQUENCER_LOCK = 0x637573746f73; // "custos"

/** An entry as stored: its bytes are null once retention redacted them (the leaf hash stays in the tiles). */
export interface StoredLedgerEntry extends Omit<NewLedgerEntry, 'entry'> {
  entry: Buffer | null;
  redactedAt: number | null;
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  /** The signed checkpoint note, with any witness cosignatures. */
  note: string;
  createdAt: number;
}

const toEntryRow = (e: NewLedgerEntry): LedgerEntriesTable => ({
  idx: e.index,
  at: e.at,
  type: e.type,
  actor: e.actor,
  subject: e.subject,
  entry: e.entry,
  redacted_at: null,
  leaf_version: e.leafVersion,
  payload_hash: e.payloadHash,
  prev: e.prev,
});

const toStoredEntry = (row: LedgerEntriesTable): StoredLedgerEntry => ({
  index: Number(row.idx),
  at: Number(row.at),
  type: row.type,
  actor: row.actor,
  subject: row.subject,
  entry: row.entry,
  redactedAt: row.redacted_at === null ? null : Number(row.redacted_at),
  leafVersion: Number(row.leaf_version),
  payloadHash: row.payload_hash,
  prev: row.prev === null || row.prev === undefined ? null : Number(row.prev),
});

const toStoredTile = (row: LedgerTilesTable): StoredTile => ({
  level: Number(row.level),
  index: Number(row.idx),
  hashes: row.hashes,
});

const toStoredCheckpoint = (row: LedgerCheckpointsTable): StoredCheckpoint => ({
  size: Number(row.size),
  root: row.root,
  note: row.note,
  createdAt: Number(row.created_at),
});

export function createLedgerStore({
  db,
  sqlite,
  bulkInsert,
}: Pick<DatabaseHandle, 'db' | 'sqlite' | 'bulkInsert'>) {
  const sqliteBatch = sqlite ? nativeBatchWriter(sqlite) : undefined;
  // A SQLite file gets the commit worker; an in-memory database (one connection only) and PostgreSQL (whose
  // writes already leave the event loop) seal and write in this thread.
  const worker: CommitWorker | undefined =
    sqlite && !sqlite.memory ? createCommitWorker(sqlite.name) : undefined;
  return {
    /**
     * Group commit: seal a batch of chained entries on top of `base` and write it durably (`appendBatch`);
     * the tree after it, or undefined when another writer appended since `base` (nothing written). On a
     * SQLite file the commit worker does both, off the event loop.
     */
    async commitBatch(request: BatchRequest): Promise<TreeState | undefined> {
      if (worker) return worker.commit(request);
      const { batch, next } = sealBatch(request);
      return (await this.appendBatch(batch)) ? next : undefined;
    },

    /** End the commit worker, if any (the ledger calls it once its last batch is durable). */
    close: async (): Promise<void> => worker?.close(),

    /** The commit worker, if any: its thread can be ended as a crash would (`terminate`). */
    commitWorker: worker,

    /**
     * Write a batch of entries and the tiles they change in one durable transaction, unless another writer
     * appended since `expectedSize` was read (then nothing is written and false comes back: reload, rebuild,
     * retry). On SQLite the whole transaction runs synchronously on the native connection while Kysely's
     * connection is held: no other query waits on it across awaits, and it costs one fsync. On PostgreSQL a
     * transaction-scoped advisory lock serialises the nodes' sequencers.
     */
    async appendBatch(batch: LedgerBatch): Promise<boolean> {
      if (sqliteBatch) return db.connection().execute(async () => sqliteBatch(batch));
      return db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(trx);
        if ((await this.size(trx)) !== batch.expectedSize) return false;
        await bulkInsert(trx, 'ledger_entries', batch.entries.map(toEntryRow));
        await writeTiles(trx, batch.tiles);
        return true;
      });
    },

    /** Number of entries stored (one past the highest index). */
    async size(trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.max('idx').as('top'))
        .executeTakeFirst();
      return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
    },

    async tile(level: number, index: number, trx: Db = db): Promise<StoredTile | undefined> {
      const row = await trx
        .selectFrom('ledger_tiles')
        .selectAll()
        .where('level', '=', level)
        .where('idx', '=', index)
        .executeTakeFirst();
      return row && toStoredTile(row);
    },

    async entry(index: number, trx: Db = db): Promise<StoredLedgerEntry | undefined> {
      const row = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('idx', '=', index)
        .executeTakeFirst();
      return row && toStoredEntry(row);
    },

    /** Entries in index order from `fromIndex`, for verification and export. */
    async entriesFrom(fromIndex: number, limit: number, trx: Db = db): Promise<StoredLedgerEntry[]> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('idx', '>=', fromIndex)
        .orderBy('idx')
        .limit(limit)
        .execute();
      return rows.map(toStoredEntry);
    },

    /** Entries of these types at or after `since`, in index order after `afterIndex`: for the watcher's replay. */
    async entriesOfTypesSince(
      types: readonly string[],
      since: number,
      afterIndex: number,
      limit: number,
      trx: Db = db,
    ): Promise<StoredLedgerEntry[]> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('at', '>=', since)
        .where('type', 'in', [...types])
        .where('idx', '>', afterIndex)
        .orderBy('idx')
        .limit(limit)
        .execute();
      return rows.map(toStoredEntry);
    },

    async insertCheckpoint(checkpoint: StoredCheckpoint, trx: Db = db): Promise<void> {
      await trx
        .insertInto('ledger_checkpoints')
        .values({
          size: checkpoint.size,
          root: checkpoint.root,
          note: checkpoint.note,
          created_at: checkpoint.createdAt,
        })
        .onConflict((oc) => oc.column('size').doNothing())
        .execute();
    },

    async latestCheckpoint(trx: Db = db): Promise<StoredCheckpoint | undefined> {
      const row = await trx
        .selectFrom('ledger_checkpoints')
        .selectAll()
        .orderBy('size', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toStoredCheckpoint(row);
    },

    async checkpoints(trx: Db = db): Promise<StoredCheckpoint[]> {
      const rows = await trx.selectFrom('ledger_checkpoints').selectAll().orderBy('size').execute();
      return rows.map(toStoredCheckpoint);
    },

    /**
     * The entries of `type` by `actor` at or after `since`: what quotas count. One indexed range scan
     * (actor, type, at); quotas keep these few, since past a limit nothing is appended. Whole rows, so the
     * caller can hold each against its leaf.
     */
    async actsSince(
      actor: string,
      type: string,
      since: number,
      fromIndex = 0,
      trx: Db = db,
    ): Promise<StoredLedgerEntry[]> {
      // From a frontier (the entries appended since this process last committed: a few), the primary key's
      // range is the short way; through the (actor, type, at) index it would be the whole window's entries.
      const rows =
        fromIndex > 0
          ? (
              await trx.selectFrom('ledger_entries').selectAll().where('idx', '>=', fromIndex).execute()
            ).filter((row) => row.actor === actor && row.type === type && Number(row.at) >= since)
          : await trx
              .selectFrom('ledger_entries')
              .selectAll()
              .where('actor', '=', actor)
              .where('type', '=', type)
              .where('at', '>=', since)
              .execute();
      return rows.map(toStoredEntry);
    },

    /**
     * Up to `limit` entries by `actor` at or after `since`, oldest first: a staff member's acts around a
     * security alert (its timeline). A range scan of the (actor, type, at) index's leading column.
     */
    async entriesByActorSince(
      actor: string,
      since: number,
      limit: number,
      trx: Db = db,
    ): Promise<StoredLedgerEntry[]> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('actor', '=', actor)
        .where('at', '>=', since)
        .orderBy('idx')
        .limit(limit)
        .execute();
      return rows.map(toStoredEntry);
    },

    /** The first index below `size` whose entry is at or after `since`; `size` when there is none. */
    async firstIndexSince(since: number, size: number, trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.min('idx').as('first'))
        .where('at', '>=', since)
        .where('idx', '<', size)
        .executeTakeFirst();
      return row?.first === null || row?.first === undefined ? size : Number(row.first);
    },

    /**
     * Per subject, its newest entry below `size`: what the per-subject chain and the subject map start from.
     * One pass over the (subject, idx) index.
     */
    async latestBySubject(size: number, trx: Db = db): Promise<Array<{ index: number; subject: string }>> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .select(['subject', (eb) => eb.fn.max('idx').as('top')])
        .where('subject', 'is not', null)
        .where('idx', '<', size)
        .groupBy('subject')
        .execute();
      return rows.map((r) => ({ index: Number(r.top), subject: r.subject as string }));
    },

    /** The subjects of entries in [from, to): another writer's entries, for the chain. */
    async subjectsBetween(
      from: number,
      to: number,
      trx: Db = db,
    ): Promise<Array<{ index: number; subject: string | null }>> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .select(['idx', 'subject'])
        .where('idx', '>=', from)
        .where('idx', '<', to)
        .execute();
      return rows.map((r) => ({ index: Number(r.idx), subject: r.subject }));
    },

    /**
     * Up to `limit` entries about `subject` below `size` and at or below `from`, newest first: a page of a
     * customer's history.
     */
    async entriesBySubject(
      subject: string,
      size: number,
      page: { from: number; limit: number },
      trx: Db = db,
    ): Promise<StoredLedgerEntry[]> {
      const rows = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('subject', '=', subject)
        .where('idx', '<', size)
        .where('idx', '<=', page.from)
        .orderBy('idx', 'desc')
        .limit(page.limit)
        .execute();
      return rows.map(toStoredEntry);
    },

    /** The leaf format of the newest entry (undefined for an empty log). */
    async lastLeafVersion(trx: Db = db): Promise<number | undefined> {
      const row = await trx
        .selectFrom('ledger_entries')
        .select('leaf_version')
        .orderBy('idx', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && Number(row.leaf_version);
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

async function writeTiles(trx: Transaction<Database>, tiles: StoredTile[]): Promise<void> {
  for (const tile of tiles) {
    await trx
      .insertInto('ledger_tiles')
      .values({ level: tile.level, idx: tile.index, hashes: tile.hashes })
      .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ hashes: tile.hashes }))
      .execute();
  }
}

/**
 * The SQLite batch write (the commit worker's, or in-thread): BEGIN IMMEDIATE takes the write lock first, so
 * the size read cannot go stale.
 */
export function nativeBatchWriter(native: NativeSqlite): (batch: LedgerBatch) => boolean {
  const top = native.prepare('select max(idx) as top from ledger_entries');
  const insert = native.prepare(
    'insert into ledger_entries (idx, at, type, actor, subject, entry, redacted_at, leaf_version, payload_hash, prev) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const upsertTile = native.prepare(
    'insert into ledger_tiles (level, idx, hashes) values (?, ?, ?) on conflict (level, idx) do update set hashes = excluded.hashes',
  );
  const write = native.transaction((batch: LedgerBatch): boolean => {
    const row = top.get() as { top: number | null };
    if ((row.top === null ? 0 : row.top + 1) !== batch.expectedSize) return false;
    for (const e of batch.entries) {
      insert.run(
        e.index,
        e.at,
        e.type,
        e.actor,
        e.subject,
        e.entry,
        null,
        e.leafVersion,
        e.payloadHash,
        e.prev,
      );
    }
    for (const t of batch.tiles) upsertTile.run(t.level, t.index, t.hashes);
    return true;
  });
  return (batch) => write.immediate(batch);
}
