/**
 * Sealing a batch: from entries already chained (each with its index's `prev`) to their canonical bytes,
 * leaf hashes, the tree state after them and the tiles they change — the CPU half of a group commit, run in
 * the commit worker on SQLite (commit-thread.ts) and in-thread on PostgreSQL. Pure: the base state is not
 * touched, so a batch that is not written leaves the tree as it was.
 */
import { LEAF_VERSION, sealEntry } from './entry-leaf.ts';
import type { EntryInput } from './entry-types.ts';
import type { LedgerBatch, NewLedgerEntry } from './ledger-rows.ts';
import { appendLeaves, packHashes, type TreeState } from './tree-state.ts';

/** An entry to append, its subject settled and chained: `prev` is the subject's entry before it. */
export interface ChainedInput extends EntryInput {
  prev?: number;
}

/** What a group commit hands to storage: the batch's time and entries, in index order from `base.size`. */
export interface BatchRequest {
  base: TreeState;
  at: number;
  inputs: readonly ChainedInput[];
}

/** The rows and tiles to write for a batch, and the tree state once they are written. */
export function sealBatch({ base, at, inputs }: BatchRequest): { batch: LedgerBatch; next: TreeState } {
  const entries: NewLedgerEntry[] = [];
  const leaves: Buffer[] = [];
  inputs.forEach((input, i) => {
    const sealed = sealEntry({ v: LEAF_VERSION, at, ...input });
    leaves.push(sealed.leaf);
    entries.push({
      index: base.size + i,
      at,
      type: input.type,
      actor: input.actor,
      subject: input.subject ?? null,
      entry: sealed.bytes,
      leafVersion: LEAF_VERSION,
      payloadHash: sealed.payloadHash,
      prev: input.prev ?? null,
    });
  });
  const { state: next, tiles } = appendLeaves(base, leaves);
  return {
    batch: {
      expectedSize: base.size,
      entries,
      tiles: tiles.map((t) => ({ level: t.level, index: t.index, hashes: packHashes(t.hashes) })),
    },
    next,
  };
}
