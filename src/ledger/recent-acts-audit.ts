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
import { TILE_WIDTH, type TreeState, stateRoot, unpackHashes } from './tree-state.ts';

/** Storage does not match what was signed (as opposed to storage being unreachable). */
export class LedgerMismatchError extends Error {}

export interface AuditedAct extends CountedAct {
  type: string;
  actor: string;
}

/** Throws LedgerMismatchError naming what does not match (other errors: storage failed); returns the counted acts at or after `since`. */
export async function auditRecentActs(options: {
  store: Pick<LedgerStore, 'latestCheckpoint' | 'firstIndexSince' | 'entriesFrom' | 'tile'>;
  reader: HashReader;
  state: TreeState;
  verifier: NoteVerifier;
  origin: string;
  since: number;
}): Promise<AuditedAct[]> {
  const { store, state, since } = options;
  if (state.size === 0) return [];
  const latest = await store.latestCheckpoint();
  if (latest) {
    const opened = openCheckpoint(latest.note, [options.verifier], options.origin);
    if (!opened.ok)
      throw new LedgerMismatchError(`the latest stored checkpoint does not verify (${opened.reason})`);
    const { size, rootHash } = opened.checkpoint;
    if (size > state.size)
      throw new LedgerMismatchError(`the latest checkpoint covers ${size} entries, storage ${state.size}`);
    const root = stateRoot(state);
    const consistent =
      size === state.size
        ? root.equals(rootHash)
        : size === 0 ||
          verifyConsistency(
            size,
            state.size,
            await consistencyProof(size, state.size, options.reader),
            rootHash,
            root,
          );
    if (!consistent)
      throw new LedgerMismatchError(`the stored tree does not extend the latest checkpoint (size ${size})`);
  }
  // From the entry before the week (its time shows the week starts after it) to the edge of the tree.
  const first = await store.firstIndexSince(since, state.size);
  const acts: AuditedAct[] = [];
  let tile: { index: number; hashes: Buffer[] } = { index: -1, hashes: [] };
  let next = Math.max(0, first - 1);
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
      next++;
      if (next >= state.size) break;
    }
  }
  return acts;
}
