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
import type { BatchRequest, ChainedInput } from './batch-seal.ts';
import type { EntryInput } from './entry-types.ts';
import type { TreeState } from './tree-state.ts';

interface Waiting {
  input: EntryInput;
  resolve: (index: number) => void;
  reject: (error: Error) => void;
}

/** An entry of a durable batch, as the hooks are told of it. */
export interface AppendedEntry {
  index: number;
  at: number;
  type: string;
  actor: string;
  subject: string | null;
}

export interface SequencerDeps {
  /**
   * Seal and write one batch durably on top of `base` (ledger.store.ts `commitBatch`); the tree after it, or
   * undefined when another writer appended since `base` was read (nothing written).
   */
  commit: (request: BatchRequest) => Promise<TreeState | undefined>;
  clock: Clock;
  /** Read the committed tree state from storage (at start, and when another process has appended). */
  loadState: () => Promise<TreeState>;
  maxBatch?: number;
  onCommit?: (state: TreeState) => void;
  /** Told of each batch once it is durable (before its callers are). */
  onAppended?: (entries: readonly AppendedEntry[]) => void;
  /** The newest committed entry about `subject` (the `prev` of the next one). */
  prevOf?: (subject: string) => number | undefined;
  /** Another writer appended entries [from, to): learn their subjects before chaining on top of them. */
  catchUp?: (from: number, to: number) => Promise<void>;
}

export function createSequencer(deps: SequencerDeps, initial: TreeState) {
  const { clock } = deps;
  const maxBatch = deps.maxBatch ?? 1024;
  let state = initial;
  const queue: Waiting[] = [];
  let flushing: Promise<void> | null = null;
  let closed = false;
  /** The indexes of the batch being committed now (stored, perhaps, but not yet acknowledged). */
  let committing: { from: number; to: number } | null = null;

  /**
   * Write one batch durably; returns its first index and the tree after it. If another process appended
   * meanwhile, reload the tree's edge from storage and build the batch again on top of it.
   */
  async function writeBatch(
    batch: Waiting[],
  ): Promise<{ first: number; next: TreeState; entries: AppendedEntry[] }> {
    const at = clock.now();
    let base = state;
    for (let attempt = 0; ; attempt++) {
      const chained = new Map<string, number>();
      const inputs: ChainedInput[] = batch.map(({ input }, i) => {
        const subject = input.subject;
        if (subject === undefined) return input;
        const prev = chained.get(subject) ?? deps.prevOf?.(subject);
        chained.set(subject, base.size + i);
        return prev === undefined ? input : { ...input, prev };
      });
      committing = { from: base.size, to: base.size + inputs.length };
      const next = await deps.commit({ base, at, inputs }).finally(() => {
        committing = null;
      });
      if (next) {
        const entries = inputs.map((input, i) => ({
          index: base.size + i,
          at,
          type: input.type,
          actor: input.actor,
          subject: input.subject ?? null,
        }));
        return { first: base.size, next, entries };
      }
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

    /**
     * The indexes [from, to) of the batch being committed, if one is: its rows may already be visible in
     * storage (the commit runs on another connection) before this process has acknowledged them.
     */
    committing: () => committing,

    /** Wait for queued appends, then refuse new ones. */
    async close(): Promise<void> {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

export type Sequencer = ReturnType<typeof createSequencer>;
