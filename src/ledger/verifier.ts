/**
 * `custos verify`: recompute the whole tree from stored entries and hold it against signed checkpoints.
 *
 * What it catches, and where it points:
 * - an entry's bytes changed, or two entries swapped: the entry no longer hashes to the leaf stored in the
 *   tree → that index;
 * - a v2 entry's lookup columns (time, type, actor, subject) rewritten, redacted or not: they are the header
 *   the leaf commits to (entry-check.ts) → that index;
 * - an entry emptied to look like retention: a redaction not covered by a later `ledger.retention_applied`
 *   entry, or of an entry younger than the retention floor (redaction-check.ts) → that index;
 * - an entry deleted: a gap in the indexes → that index;
 * - the tail truncated: fewer entries than a signed checkpoint covers → the first missing index;
 * - entries and tree rewritten together: the recomputed root differs from a signed checkpoint's → the range
 *   between the last checkpoint that still matches and the first that does not;
 * - checkpoints forged or altered: their signatures fail under the ledger's public key;
 * - the signing key misused: two validly signed checkpoints of one size with different roots (a history
 *   re-signed by whoever holds the key) → both notes, as proof.
 * - a chain link edited or an entry about a customer left out of their chain: each v3 entry's `prev` must be
 *   the subject's previous entry → that index;
 * - a subject map that does not match the log: every checkpoint from the first v3 entry on must carry the
 *   map root (subject-map.ts) of the newest entry per subject below its size → that checkpoint.
 * Checkpoints kept outside the database (`--checkpoint`, several allowed) are checked the same way, so a
 * history rewritten together with its checkpoints is still caught. When the stored checkpoints contradict
 * them, only the given checkpoints bound the range the rewrite lies in.
 */
import { openCheckpoint } from './checkpoint.ts';
import { checkEntry } from './entry-check.ts';
import type { LedgerStore } from './ledger.store.ts';
import type { NoteVerifier } from './note-keys.ts';
import { createRedactionCheck } from './redaction-check.ts';
import { rootAccumulator } from './root-accumulator.ts';
import { createSubjectIndex } from './subject-index.ts';
import { mapRootOf } from './subject-map.ts';
import { TILE_WIDTH, unpackHashes } from './tree-state.ts';

export interface VerifyProblem {
  /** The first index concerned, when one can be named. */
  index?: number;
  problem: string;
}

/** Two checkpoints of one size, both validly signed by the log's key, with different roots. */
export interface CheckpointConflict {
  size: number;
  /** The two signed notes, verbatim: together they prove the key signed two histories. */
  notes: [string, string];
  labels: [string, string];
}

export interface VerifyReport {
  ok: boolean;
  /** Entries found in storage. */
  entries: number;
  /** Checkpoint sizes whose roots were recomputed and matched. */
  verifiedCheckpoints: number[];
  problems: VerifyProblem[];
  /** Signing-key misuse found among the stored and given checkpoints. */
  conflicts: CheckpointConflict[];
}

interface Target {
  size: number;
  root: Buffer;
  label: string;
  note: string;
  /** Kept outside the database (`--checkpoint`), so not rewritable by whoever can write the database. */
  given: boolean;
  /** The subject-map root its extension line commits to, if any. */
  mapRoot: Buffer | undefined;
}

/** Same-size checkpoints with different roots (targets sorted by size). */
function findConflicts(targets: readonly Target[]): CheckpointConflict[] {
  const conflicts: CheckpointConflict[] = [];
  for (let i = 0; i < targets.length;) {
    let j = i;
    while (j < targets.length && (targets[j] as Target).size === (targets[i] as Target).size) j++;
    const first = targets[i] as Target;
    const other = targets.slice(i + 1, j).find((t) => !t.root.equals(first.root));
    if (other) {
      conflicts.push({
        size: first.size,
        notes: [first.note, other.note],
        labels: [first.label, other.label],
      });
    }
    i = j;
  }
  return conflicts;
}

export async function verifyLedger(options: {
  store: LedgerStore;
  verifier: NoteVerifier;
  origin: string;
  /** Signed checkpoints kept elsewhere (saved earlier, or a witness's copy). */
  earlier?: string | readonly string[];
  /** The time redactions are judged at (default: now). */
  now?: number;
  pageSize?: number;
}): Promise<VerifyReport> {
  const { store, verifier, origin } = options;
  const problems: VerifyProblem[] = [];
  const targets: Target[] = [];
  const open = (note: string, label: string, given: boolean) => {
    const opened = openCheckpoint(note, [verifier], origin);
    if (!opened.ok) {
      problems.push({ problem: `${label}: signature or format invalid (${opened.reason})` });
      return;
    }
    targets.push({
      size: opened.checkpoint.size,
      root: opened.checkpoint.rootHash,
      label,
      note,
      given,
      mapRoot: mapRootOf(opened.checkpoint.extensions),
    });
  };
  for (const row of await store.checkpoints()) open(row.note, `stored checkpoint of size ${row.size}`, false);
  const given = options.earlier === undefined ? [] : [options.earlier].flat();
  given.forEach((note, i) =>
    open(note, given.length === 1 ? 'the given checkpoint' : `given checkpoint ${i + 1}`, true),
  );
  targets.sort((a, b) => a.size - b.size || Number(a.given) - Number(b.given));
  const conflicts = findConflicts(targets);
  for (const c of conflicts) {
    problems.push({
      problem: `key misuse: ${c.labels[0]} and ${c.labels[1]} both carry the log's valid signature for size ${c.size} with different roots (someone holding the signing key signed a second history)`,
    });
  }

  const acc = rootAccumulator();
  const redactions = createRedactionCheck(options.now ?? Date.now());
  const verified: number[] = [];
  let next = 0;
  let target = 0;
  // The last checkpoint size that matched: of any checkpoint, and of the given ones only. Stored checkpoints
  // may have been re-signed along with the history; when they contradict a given one, only given ones count.
  let lastGood = 0;
  let lastGivenGood = 0;
  let tile: { index: number; hashes: Buffer[] } = { index: -1, hashes: [] };
  const pageSize = options.pageSize ?? 2000;
  let broken = false;
  // The newest leaf format seen, and the index of the first v3 entry (from which chains and maps are checked).
  let newest = 0;
  let chainFrom: number | undefined;
  const subjects = createSubjectIndex({ map: true });
  const fail = (index: number, problem: string): VerifyReport => {
    problems.push({ index, problem });
    return { ok: false, entries: index, verifiedCheckpoints: verified, problems, conflicts };
  };

  const checkMap = (t: Target) => {
    const expected = subjects.rootFor(t.size);
    if (t.mapRoot === undefined) {
      if (chainFrom !== undefined && t.size > chainFrom)
        problems.push({ problem: `${t.label} carries no subject map though the log chains subjects` });
    } else if (!t.mapRoot.equals(expected)) {
      problems.push({
        problem: `${t.label}: its subject map does not match the log (the newest entry of some subject differs)`,
      });
    }
  };

  const checkTargets = () => {
    while (target < targets.length && (targets[target] as Target).size === next) {
      const t = targets[target] as Target;
      if (acc.root().equals(t.root)) {
        verified.push(t.size);
        lastGood = t.size;
        if (t.given) lastGivenGood = t.size;
      } else if (!broken) {
        const from = t.given || conflicts.length > 0 ? lastGivenGood : lastGood;
        problems.push({
          index: from,
          problem: `the tree no longer matches ${t.label}: an entry in [${from}, ${t.size}) was rewritten together with the tree`,
        });
        broken = true;
      }
      checkMap(t);
      target++;
    }
  };

  checkTargets();
  for (;;) {
    const page = await store.entriesFrom(next, pageSize);
    if (page.length === 0) break;
    for (const row of page) {
      if (row.index !== next) return fail(next, `entry ${next} is missing`);
      const tileIndex = Math.floor(next / TILE_WIDTH);
      // A tile read earlier may have grown since (a live ledger appends while it is verified): read it again
      // when it does not reach this entry, which was read after it.
      if (tile.index !== tileIndex || tile.hashes.length <= next % TILE_WIDTH) {
        const stored = await store.tile(0, tileIndex);
        tile = { index: tileIndex, hashes: stored ? unpackHashes(stored.hashes) : [] };
      }
      const checked = checkEntry(row, tile.hashes[next % TILE_WIDTH]);
      if (!checked.ok) return fail(next, checked.problem);
      if (row.leafVersion < newest)
        return fail(
          next,
          `entry ${next} claims the v${row.leafVersion} leaf format after v${newest} entries`,
        );
      if (row.leafVersion > newest && newest > 0 && row.type !== 'ledger.leaf_format')
        return fail(
          next,
          `entry ${next}: the first v${row.leafVersion} entry after v${newest} entries must be ledger.leaf_format`,
        );
      newest = row.leafVersion;
      if (row.leafVersion === 3) {
        chainFrom ??= next;
        const expected = row.subject === null ? null : (subjects.prevOf(row.subject) ?? null);
        if (row.prev !== expected)
          return fail(
            next,
            `entry ${next}: its chain link names ${row.prev ?? 'no entry'} but the previous entry about its subject is ${expected ?? 'none'} (an entry left out of the chain, or the link edited)`,
          );
      }
      subjects.committed([{ index: next, subject: row.subject }]);
      if (checked.redacted) redactions.redacted(next, row.at);
      if (checked.retentionOlderThan !== undefined) redactions.retention(row.at, checked.retentionOlderThan);
      acc.push(checked.leaf);
      next++;
      checkTargets();
    }
  }
  const uncovered = redactions.firstUncovered();
  if (uncovered) problems.push(uncovered);
  for (; target < targets.length; target++) {
    const t = targets[target] as Target;
    problems.push({
      index: next,
      problem: `${t.label} covers ${t.size} entries but storage ends at ${next}: truncated`,
    });
  }
  return { ok: problems.length === 0, entries: next, verifiedCheckpoints: verified, problems, conflicts };
}
