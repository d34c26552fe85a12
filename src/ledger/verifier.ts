/**
 * `custos verify`: recompute the whole tree from stored entries and hold it against signed checkpoints.
 *
 * What it catches, and where it points:
 * - an entry's bytes changed, or two entries swapped: the entry no longer hashes to the leaf stored in the
 *   tree → that index;
 * - an entry deleted: a gap in the indexes → that index;
 * - the tail truncated: fewer entries than a signed checkpoint covers → the first missing index;
 * - entries and tree rewritten together: the recomputed root differs from a signed checkpoint's → the range
 *   between the last checkpoint that still matches and the first that does not;
 * - checkpoints forged or altered: their signatures fail under the ledger's public key.
 * An earlier checkpoint kept outside the database (`--checkpoint`) is checked the same way, so a history
 * rewritten together with its checkpoints is still caught.
 */
import { openCheckpoint } from './checkpoint.ts';
import { decodeEntry, isCanonical } from './entry-encoding.ts';
import type { LedgerStore } from './ledger.store.ts';
import { leafHash, emptyRoot, nodeHash } from './merkle-hash.ts';
import type { NoteVerifier } from './note-keys.ts';
import { TILE_WIDTH, unpackHashes } from './tree-state.ts';

export interface VerifyProblem {
  /** The first index concerned, when one can be named. */
  index?: number;
  problem: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries found in storage. */
  entries: number;
  /** Checkpoint sizes whose roots were recomputed and matched. */
  verifiedCheckpoints: number[];
  problems: VerifyProblem[];
}

interface Target {
  size: number;
  root: Buffer;
  label: string;
}

/** Roots of growing prefixes of a tree, one leaf at a time, in O(log n) memory. */
function rootAccumulator() {
  const edge: { level: number; hash: Buffer }[] = [];
  return {
    push(leaf: Buffer) {
      let node = { level: 0, hash: leaf };
      while (edge.length > 0 && edge[edge.length - 1]?.level === node.level) {
        const left = edge.pop() as { level: number; hash: Buffer };
        node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
      }
      edge.push(node);
    },
    root(): Buffer {
      if (edge.length === 0) return emptyRoot();
      let hash = (edge[edge.length - 1] as { hash: Buffer }).hash;
      for (let i = edge.length - 2; i >= 0; i--) hash = nodeHash((edge[i] as { hash: Buffer }).hash, hash);
      return hash;
    },
  };
}

export async function verifyLedger(options: {
  store: LedgerStore;
  verifier: NoteVerifier;
  origin: string;
  /** A signed checkpoint kept elsewhere (earlier, or a witness's copy). */
  earlier?: string;
  pageSize?: number;
}): Promise<VerifyReport> {
  const { store, verifier, origin } = options;
  const problems: VerifyProblem[] = [];
  const targets: Target[] = [];
  const open = (note: string, label: string) => {
    const opened = openCheckpoint(note, [verifier], origin);
    if (!opened.ok) {
      problems.push({ problem: `${label}: signature or format invalid (${opened.reason})` });
      return;
    }
    targets.push({ size: opened.checkpoint.size, root: opened.checkpoint.rootHash, label });
  };
  for (const row of await store.checkpoints()) open(row.note, `stored checkpoint of size ${row.size}`);
  if (options.earlier !== undefined) open(options.earlier, 'the given checkpoint');
  targets.sort((a, b) => a.size - b.size);

  const acc = rootAccumulator();
  const verified: number[] = [];
  let next = 0;
  let target = 0;
  let lastGood = 0;
  let tile: { index: number; hashes: Buffer[] } = { index: -1, hashes: [] };
  const pageSize = options.pageSize ?? 2000;
  let broken = false;

  const checkTargets = () => {
    while (target < targets.length && (targets[target] as Target).size === next) {
      const t = targets[target] as Target;
      if (acc.root().equals(t.root)) {
        verified.push(t.size);
        lastGood = t.size;
      } else if (!broken) {
        problems.push({
          index: lastGood,
          problem: `the tree no longer matches ${t.label}: an entry in [${lastGood}, ${t.size}) was rewritten together with the tree`,
        });
        broken = true;
      }
      target++;
    }
  };

  checkTargets();
  for (;;) {
    const page = await store.entriesFrom(next, pageSize);
    if (page.length === 0) break;
    for (const row of page) {
      if (row.index !== next) {
        problems.push({ index: next, problem: `entry ${next} is missing` });
        return { ok: false, entries: next, verifiedCheckpoints: verified, problems };
      }
      const tileIndex = Math.floor(next / TILE_WIDTH);
      if (tile.index !== tileIndex) {
        const stored = await store.tile(0, tileIndex);
        tile = { index: tileIndex, hashes: stored ? unpackHashes(stored.hashes) : [] };
      }
      const storedLeaf = tile.hashes[next % TILE_WIDTH];
      let leaf: Buffer;
      if (row.entry) {
        leaf = leafHash(row.entry);
        if (!storedLeaf || !leaf.equals(storedLeaf)) {
          problems.push({
            index: next,
            problem: `entry ${next} does not match the leaf hash in the tree (altered or moved)`,
          });
          return { ok: false, entries: next, verifiedCheckpoints: verified, problems };
        }
        const decoded = isCanonical(row.entry) ? decodeEntry(row.entry) : null;
        if (
          !decoded ||
          decoded.type !== row.type ||
          decoded.actor !== row.actor ||
          (decoded.subject ?? null) !== row.subject ||
          decoded.at !== row.at
        ) {
          problems.push({
            index: next,
            problem: `entry ${next}: its lookup columns disagree with its signed content`,
          });
          return { ok: false, entries: next, verifiedCheckpoints: verified, problems };
        }
      } else {
        if (!storedLeaf || row.redactedAt === null) {
          problems.push({
            index: next,
            problem: `entry ${next} has no content and was not redacted by retention`,
          });
          return { ok: false, entries: next, verifiedCheckpoints: verified, problems };
        }
        leaf = storedLeaf;
      }
      acc.push(leaf);
      next++;
      checkTargets();
    }
  }
  for (; target < targets.length; target++) {
    const t = targets[target] as Target;
    problems.push({
      index: next,
      problem: `${t.label} covers ${t.size} entries but storage ends at ${next}: truncated`,
    });
  }
  return { ok: problems.length === 0, entries: next, verifiedCheckpoints: verified, problems };
}
