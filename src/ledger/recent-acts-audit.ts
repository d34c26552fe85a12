/**
 * What a starting ledger counts quotas from: the counted acts of the past week, read back from storage and
 * held against the signed tree before they are trusted. The tree's edge (loaded from the tiles) must extend
 * the latest stored checkpoint — validly signed — by a consistency proof, and every entry in the week must
 * hash to its leaf (its header, in v2) and be intact: retention never redacts an entry that young. Since a
 * clean shutdown signs a final checkpoint, every entry of the week is normally covered by a signature
 * storage cannot forge without the key.
 *
 * An edit found here means storage no longer matches what was signed: quotas then refuse to count
 * (LEDGER_UNAVAILABLE, so reveals and searches fail closed) rather than count from rewritten rows.
 */
import { openCheckpoint } from './checkpoint.ts';
import { type CountedAct, countedTypes } from './counted-acts.ts';
import { checkEntry } from './entry-check.ts';
import type { EntryType } from './entry-types.ts';
import type { HashReader } from './hash-reader.ts';
import type { LedgerStore } from './ledger.store.ts';
import { consistencyProof } from './merkle-proofs.ts';
import type { NoteVerifier } from './note-keys.ts';
import { verifyConsistency } from './proof-verification.ts';
import { compactRangeIds, rootAccumulator } from './root-accumulator.ts';
import { TILE_WIDTH, type TreeState, stateRoot, unpackHashes } from './tree-state.ts';

/** Storage does not match what was signed (as opposed to storage being unreachable). */
export class LedgerMismatchError extends Error {}

export interface AuditedAct extends CountedAct {
  type: string;
  actor: string;
}

/**
 * The counted acts at or after `since`, once they hold against the signed tree. Throws LedgerMismatchError
 * naming what does not match; any other error means storage failed (worth retrying).
 */
export async function auditRecentActs(options: {
  store: Pick<LedgerStore, 'latestCheckpoint' | 'firstIndexSince' | 'entriesFrom' | 'tile'>;
  reader: HashReader;
  /** The tree as storage holds it now (read after the latest checkpoint, so it covers that checkpoint). */
  loadState: () => Promise<TreeState>;
  verifier: NoteVerifier;
  origin: string;
  since: number;
}): Promise<AuditedAct[]> {
  const { store, since } = options;
  let signed: { size: number; root: Buffer } | undefined;
  // The checkpoint first, then the tree: a checkpoint is stored only once its entries are durable, so the
  // tree read after it covers it (another node may have signed past this process's own appends).
  const latest = await store.latestCheckpoint();
  const state = await options.loadState();
  if (state.size === 0) return [];
  if (latest) {
    const opened = openCheckpoint(latest.note, [options.verifier], options.origin);
    if (!opened.ok)
      throw new LedgerMismatchError(`the latest stored checkpoint does not verify (${opened.reason})`);
    signed = { size: opened.checkpoint.size, root: opened.checkpoint.rootHash };
    if (signed.size > state.size) {
      throw new LedgerMismatchError(
        `the latest checkpoint covers ${signed.size} entries, storage ${state.size}`,
      );
    }
    const root = stateRoot(state);
    const consistent =
      signed.size === state.size
        ? root.equals(signed.root)
        : signed.size === 0 ||
          verifyConsistency(
            signed.size,
            state.size,
            await consistencyProof(signed.size, state.size, options.reader),
            signed.root,
            root,
          );
    if (!consistent)
      throw new LedgerMismatchError(
        `the stored tree does not extend the latest checkpoint (size ${signed.size})`,
      );
  }
  // From the entry before the week (its time shows the week starts after it) to the edge of the tree, each
  // entry's leaf recomputed and folded onto the prefix's compact range: the result must be the signed root
  // at the checkpoint's size and the tiles' root at the edge, so no tile can vouch for a rewritten entry.
  const first = await store.firstIndexSince(since, state.size);
  const start = Math.max(0, first - 1);
  const ids = compactRangeIds(start);
  const prefix = await options.reader.readNodes(ids);
  const acc = rootAccumulator(ids.map((id, i) => ({ level: id.level, hash: prefix[i] as Buffer })));
  const acts: AuditedAct[] = [];
  let tile: { index: number; hashes: Buffer[] } = { index: -1, hashes: [] };
  let next = start;
  while (next < state.size) {
    const page = await store.entriesFrom(next, Math.min(2000, state.size - next));
    if (page.length === 0) throw new LedgerMismatchError(`entry ${next} is missing`);
    for (const row of page) {
      if (row.index !== next) throw new LedgerMismatchError(`entry ${next} is missing`);
      const tileIndex = Math.floor(next / TILE_WIDTH);
      if (tile.index !== tileIndex) {
        const stored = await store.tile(0, tileIndex);
        tile = { index: tileIndex, hashes: stored ? unpackHashes(stored.hashes) : [] };
      }
      const checked = checkEntry(row, tile.hashes[next % TILE_WIDTH]);
      if (!checked.ok) throw new LedgerMismatchError(checked.problem);
      if (next < first) {
        if (row.at >= since)
          throw new LedgerMismatchError(`entry ${next} is younger than the entries after it claim`);
      } else {
        if (checked.redacted)
          throw new LedgerMismatchError(`entry ${next} was redacted though younger than a week`);
        if (countedTypes.has(row.type as EntryType)) {
          acts.push({ index: row.index, at: row.at, subject: row.subject, type: row.type, actor: row.actor });
        }
      }
      acc.push(checked.leaf);
      next++;
      if (signed && acc.size() === signed.size && !acc.root().equals(signed.root)) {
        throw new LedgerMismatchError(
          `entries in [${start}, ${signed.size}) do not match the latest signed checkpoint`,
        );
      }
      if (next >= state.size) break;
    }
  }
  if (!acc.root().equals(stateRoot(state))) {
    throw new LedgerMismatchError(`entries in [${start}, ${state.size}) do not match the stored tree`);
  }
  return acts;
}
