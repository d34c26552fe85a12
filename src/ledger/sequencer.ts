/**
 * The sequencer: the one writer of the ledger. Appends wait in a queue; one flush at a time takes up to
 * `maxBatch` of them, gives them consecutive indexes, writes their entries and the tiles they change in one
 * transaction, commits (fsync), and only then resolves every waiting caller — group commit, so a thousand
 * concurrent appends share one durable commit.
 *
 * Invariant: a caller's promise resolves only after its entry is durable; if the write fails, every caller
 * in the batch is rejected and the in-memory tree stays at its last committed state. Several processes may
 * share one database (a server and `custos import`): each flush locks out the others and, if another wrote
 * since, reloads the right edge of the tree from storage before appending.
 *
 * Each entry about a subject names the previous entry about it (`prev`, leaf format v3): the sequencer asks
 * `prevOf` for the subject's newest committed entry, and within a batch chains the batch's own entries. When
 * another writer appended meanwhile, `catchUp` is told the range first so `prevOf` knows its entries too.
 */
import type { Clock } from '../platform/clock.ts';
import { CustosError } from '../platform/errors.ts';
import { LEAF_VERSION, sealEntry } from './entry-leaf.ts';
import type { EntryInput } from './entry-types.ts';
import type { LedgerStore, NewLedgerEntry } from './ledger.store.ts';
import { appendLeaves, packHashes, type TreeState } from './tree-state.ts';

interface Waiting {
  input: EntryInput;
  resolve: (index: number) => void;
  reject: (error: Error) => void;
}

export interface SequencerDeps {
  store: Pick<LedgerStore, 'appendBatch'>;
  clock: Clock;
  /** Read the committed tree state from storage (at start, and when another process has appended). */
  loadState: () => Promise<TreeState>;
  maxBatch?: number;
  onCommit?: (state: TreeState) => void;
  /** Told of each batch once it is durable (before its callers are). */
  onAppended?: (entries: readonly NewLedgerEntry[]) => void;
  /** The newest committed entry about `subject` (the `prev` of the next one). */
  prevOf?: (subject: string) => number | undefined;
  /** Another writer appended entries [from, to): learn their subjects before chaining on top of them. */
  catchUp?: (from: number, to: number) => Promise<void>;
}

export function createSequencer(deps: SequencerDeps, initial: TreeState) {
  const { store, clock } = deps;
  const maxBatch = deps.maxBatch ?? 1024;
  let state = initial;
  const queue: Waiting[] = [];
  let flushing: Promise<void> | null = null;
  let closed = false;

  /**
   * Write one batch durably; returns its first index and the tree after it. If another process appended
   * meanwhile, reload the tree's edge from storage and build the batch again on top of it.
   */
  async function writeBatch(
    batch: Waiting[],
  ): Promise<{ first: number; next: TreeState; entries: NewLedgerEntry[] }> {
    const at = clock.now();
    let base = state;
    for (let attempt = 0; ; attempt++) {
      const chained = new Map<string, number>();
      const entries: NewLedgerEntry[] = [];
      const leaves: Buffer[] = [];
      batch.forEach(({ input }, i) => {
        const index = base.size + i;
        const subject = input.subject ?? null;
        const prev = subject === null ? undefined : (chained.get(subject) ?? deps.prevOf?.(subject));
        if (subject !== null) chained.set(subject, index);
        const sealed = sealEntry({ v: LEAF_VERSION, at, ...input, prev });
        leaves.push(sealed.leaf);
        entries.push({
          index,
          at,
          type: input.type,
          actor: input.actor,
          subject,
          entry: sealed.bytes,
          leafVersion: LEAF_VERSION,
          payloadHash: sealed.payloadHash,
          prev: prev ?? null,
        });
      });
      const { state: next, tiles } = appendLeaves(base, leaves);
      const written = await store.appendBatch({
        expectedSize: base.size,
        entries,
        tiles: tiles.map((t) => ({ level: t.level, index: t.index, hashes: packHashes(t.hashes) })),
      });
      if (written) return { first: base.size, next, entries };
      if (attempt >= 100) throw new Error('the ledger kept moving under this writer');
      const moved = await deps.loadState();
      await deps.catchUp?.(base.size, moved.size);
      base = moved;
    }
  }

  async function flushLoop(): Promise<void> {
    while (queue.length > 0) {
      // Let the event loop take in what is already waiting (requests whose appends are a few callbacks
      // away) before closing the batch: without this a busy server commits one entry per fsync.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = queue.splice(0, maxBatch);
      try {
        const { first, next, entries } = await writeBatch(batch);
        state = next;
        deps.onCommit?.(state);
        deps.onAppended?.(entries);
        batch.forEach((w, i) => w.resolve(first + i));
      } catch (cause) {
        const error = new CustosError('LEDGER_UNAVAILABLE', 'The ledger could not record the act', { cause });
        for (const w of batch) w.reject(error);
      }
    }
  }

  /** Start a flush unless one runs; a flush that ends with work queued meanwhile starts the next. */
  function kick(): void {
    if (flushing) return;
    flushing = flushLoop().finally(() => {
      flushing = null;
      if (queue.length > 0) kick();
    });
  }

  return {
    /** Append one entry; resolves with its index once it is durable. Throws LEDGER_UNAVAILABLE. */
    append(input: EntryInput): Promise<number> {
      if (closed) return Promise.reject(new CustosError('LEDGER_UNAVAILABLE', 'The ledger is closed'));
      return new Promise<number>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        kick();
      });
    },

    /** The last committed state (what checkpoints and proofs may speak of). */
    state: () => state,

    /** Wait for queued appends, then refuse new ones. */
    async close(): Promise<void> {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

export type Sequencer = ReturnType<typeof createSequencer>;
