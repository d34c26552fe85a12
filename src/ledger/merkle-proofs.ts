/**
 * RFC 9162 §2.1.3.1 inclusion proofs, §2.1.4.1 consistency proofs and tree roots, generated from a
 * `HashReader` of complete subtrees. Each proof is first planned as a list of complete nodes (pure bit
 * arithmetic), read in one batch, then assembled; a proof hash over a ragged right edge is folded from the
 * O(log n) complete nodes that tile it, once per reader (the fold is kept). Proof hashes come out bottom-up,
 * the order the RFC verifiers expect.
 */
import type { HashReader, NodeId } from './hash-reader.ts';
import { LedgerProofError } from './ledger-errors.ts';
import { emptyRoot, HASH_SIZE, nodeHash } from './merkle-hash.ts';

/** One proof hash, as the complete nodes whose right-to-left fold gives it (one node unless ragged). */
type PlannedHash = NodeId[];

/**
 * An inclusion proof (audit path) for leaf `index` in the tree of `size` leaves.
 * Throws `LedgerProofError` with reason `invalid_size` or `index_out_of_range` for bad arguments, and
 * `node_unavailable` or `reader_mismatch` if the reader cannot answer.
 */
export async function inclusionProof(index: number, size: number, reader: HashReader): Promise<Buffer[]> {
  requireTreeSize(index, 'index');
  requireTreeSize(size, 'size');
  if (index >= size) {
    throw new LedgerProofError('index_out_of_range', `Leaf ${index} is not in a tree of ${size}`);
  }
  return readPlan(siblingPath(0, BigInt(index), BigInt(size)), reader);
}

/**
 * A consistency proof that the tree of `size1` leaves is a prefix of the tree of `size2` leaves.
 * Empty when the sizes are equal. Requires 0 < size1 ≤ size2: a proof from the empty tree is refused
 * (`empty_old_tree`), matching `verifyConsistency`, and size1 > size2 gives `size_order`.
 */
export async function consistencyProof(size1: number, size2: number, reader: HashReader): Promise<Buffer[]> {
  requireTreeSize(size1, 'size1');
  requireTreeSize(size2, 'size2');
  if (size1 > size2) throw new LedgerProofError('size_order', `Old size ${size1} exceeds new size ${size2}`);
  if (size1 === 0) throw new LedgerProofError('empty_old_tree', 'No consistency proof from the empty tree');
  if (size1 === size2) return [];
  // The largest complete subtree ending at size1; the proof is its path to the new root, preceded by the
  // subtree itself unless size1 is a power of two (then it is the old root, which the verifier already has).
  const level = trailingZeros(size1);
  const node = (BigInt(size1) >> BigInt(level)) - 1n;
  const old: PlannedHash[] = node === 0n ? [] : [[{ level, index: Number(node) }]];
  return readPlan([...old, ...siblingPath(level, node, BigInt(size2))], reader);
}

/** The root hash of the tree of `size` leaves, from at most log2(size)+1 complete nodes. */
export async function treeRoot(size: number, reader: HashReader): Promise<Buffer> {
  requireTreeSize(size, 'size');
  if (size === 0) return emptyRoot();
  const [root] = await readPlan([edgeNodes(0n, BigInt(size))], reader);
  return root as Buffer;
}

/**
 * The sibling hashes of node (level, index) up to the root of a tree of `size` leaves, bottom-up. Below the
 * level where the node's path and the last leaf's path meet, siblings are complete, except the topmost one,
 * which may be the ragged right edge. Above it, the node lies on the right edge: only left siblings exist.
 */
function siblingPath(level: number, index: bigint, size: bigint): PlannedHash[] {
  const last = (size - 1n) >> BigInt(level);
  const split = bitLength(index ^ last);
  const plan: PlannedHash[] = [];
  for (let h = 0; h < split; h++) {
    const at = level + h;
    const sibling = (index >> BigInt(h)) ^ 1n;
    const start = sibling << BigInt(at);
    const end = start + (1n << BigInt(at));
    plan.push(end <= size ? [{ level: at, index: Number(sibling) }] : edgeNodes(start, size));
  }
  for (let h = split; index >> BigInt(h) > 0n; h++) {
    const node = index >> BigInt(h);
    if ((node & 1n) === 1n) plan.push([{ level: level + h, index: Number(node ^ 1n) }]);
  }
  return plan;
}

/** The complete nodes tiling leaves [start, end), largest first; `start` must be aligned to the first. */
function edgeNodes(start: bigint, end: bigint): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  for (let level = bitLength(end - start) - 1; level >= 0; level--) {
    const width = 1n << BigInt(level);
    if (((end - start) & width) === 0n) continue;
    nodes.push({ level, index: Number(at >> BigInt(level)) });
    at += width;
  }
  return nodes;
}

/**
 * Folds of ragged right edges already made, per reader. Their nodes are complete, so a fold never changes:
 * proofs against one tree size share the same few (one per level), and a warm proof hashes nothing. Keyed by
 * the first and last node, which fix the range the group tiles.
 */
const edgeFolds = new WeakMap<HashReader, Map<string, Buffer>>();
const EDGE_FOLDS_KEPT = 4096;

async function readPlan(plan: readonly PlannedHash[], reader: HashReader): Promise<Buffer[]> {
  let folds = edgeFolds.get(reader);
  if (!folds) {
    folds = new Map();
    edgeFolds.set(reader, folds);
  }
  const keys = plan.map((nodes) => {
    if (nodes.length < 2) return undefined;
    const [first, last] = [nodes[0] as NodeId, nodes[nodes.length - 1] as NodeId];
    return `${first.level}.${first.index}.${last.level}.${last.index}`;
  });
  const known = keys.map((key) => (key === undefined ? undefined : folds.get(key)));
  const ids = plan.flatMap((nodes, i) => (known[i] ? [] : nodes));
  const hashes = ids.length === 0 ? [] : await reader.readNodes(ids);
  if (hashes.length !== ids.length || hashes.some((h) => h.length !== HASH_SIZE)) {
    throw new LedgerProofError(
      'reader_mismatch',
      `Hash reader answered ${hashes.length} of ${ids.length} nodes`,
    );
  }
  let next = 0;
  return plan.map((nodes, i) => {
    const hit = known[i];
    if (hit) return Buffer.from(hit);
    const group = hashes.slice(next, next + nodes.length);
    next += nodes.length;
    const hash = group.reduceRight((right, left) => nodeHash(left, right));
    const key = keys[i];
    if (key !== undefined) {
      if (folds.size >= EDGE_FOLDS_KEPT) folds.clear();
      folds.set(key, Buffer.from(hash));
    }
    return hash;
  });
}

function requireTreeSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LedgerProofError('invalid_size', `${what} must be a non-negative safe integer`);
  }
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function trailingZeros(value: number): number {
  let zeros = 0;
  for (let v = BigInt(value); (v & 1n) === 0n; v >>= 1n) zeros++;
  return zeros;
}
