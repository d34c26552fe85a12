/**
 * The subject map: a sparse Merkle tree from each subject (a customer, a staff member…) to the index of the
 * newest ledger entry about it. Every checkpoint commits to its root (checkpoint extension line
 * `subject-map/v1 <base64 root>`), so a customer handed their history and a proof from this map can tell
 * that the newest entry about them is the one the history starts from; each entry's header names the one
 * before it (`prev`, leaf format v3), so the chain down from there leaves nothing out. Construction:
 *
 * - key = SHA-256(subject as UTF-8), walked from its most significant bit; value = the entry index;
 * - leaf = SHA-256(0x10 ‖ key ‖ value as 8-byte big-endian), interior = SHA-256(0x11 ‖ left ‖ right),
 *   empty subtree = 32 zero bytes (prefixes apart from the log's 0x00/0x01, so no map hash passes as a log
 *   hash);
 * - a subtree holding one leaf is that leaf, hoisted to where its key parts from every other key, so a path
 *   is about log₂(subjects) nodes long, not 256.
 *
 * Trees are persistent: `apply` copies only the paths it changes and shares the rest, so the root each
 * checkpoint committed to stays provable while newer entries arrive. A batch of k changed subjects costs at
 * most k·(log₂ n + 1) hashes, fewer where their paths share nodes.
 *
 * Invariant: there are no deletions (a subject's newest entry can only move forward), so a branch always has
 * at least two leaves below it.
 */
import { createHash, hash } from 'node:crypto';

export const MAP_EXTENSION_PREFIX = 'subject-map/v1 ';
const LEAF_PREFIX = Uint8Array.of(0x10);
const NODE_PREFIX = Uint8Array.of(0x11);
const EMPTY = Buffer.alloc(32);

// Inside the tree, keys and hashes are 32-character latin1 strings (one character per byte): a quarter of
// the memory of a Buffer each, compared and concatenated without copies, hashed by one-shot `crypto.hash`.
type Bytes = string;
const EMPTY_BYTES: Bytes = EMPTY.toString('latin1');
const sha = (input: string): Bytes => hash('sha256', Buffer.from(input, 'latin1'), 'binary');

/** The value as 8 big-endian bytes, in latin1. */
function u64(value: number): string {
  const hi = Math.floor(value / 2 ** 32);
  const lo = value >>> 0;
  return String.fromCharCode(
    (hi >>> 24) & 255,
    (hi >>> 16) & 255,
    (hi >>> 8) & 255,
    hi & 255,
    (lo >>> 24) & 255,
    (lo >>> 16) & 255,
    (lo >>> 8) & 255,
    lo & 255,
  );
}

interface Leaf {
  readonly key: Bytes;
  readonly value: number;
  readonly hash: Bytes;
}
interface Branch {
  readonly left: MapNode;
  readonly right: MapNode;
  readonly hash: Bytes;
}
/** A subtree: null when empty. */
export type MapNode = Leaf | Branch | null;

/** One subject's change: its key and its newest entry index. */
export interface MapUpdate {
  key: Buffer;
  value: number;
}

/** Where a key's path ends: at its own leaf, at an empty subtree, or at another key's leaf. */
export type MapProofEnd =
  { kind: 'present'; value: number } | { kind: 'empty' } | { kind: 'other'; key: Buffer; value: number };

export interface MapProof {
  /** Sibling hashes from the root down (sibling of depth 0 first). */
  siblings: Buffer[];
  end: MapProofEnd;
}

export function mapKey(subject: string): Buffer {
  return createHash('sha256').update(subject, 'utf8').digest();
}

export function bitAt(key: Uint8Array, depth: number): number {
  return ((key[depth >> 3] as number) >> (7 - (depth & 7))) & 1;
}

const bitOf = (key: Bytes, depth: number): number => (key.charCodeAt(depth >> 3) >> (7 - (depth & 7))) & 1;

export function mapLeafHash(key: Uint8Array, value: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeBigUInt64BE(BigInt(value));
  return createHash('sha256').update(LEAF_PREFIX).update(key).update(v).digest();
}

export function mapNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

interface Item {
  key: Bytes;
  value: number;
}

const isLeaf = (node: Leaf | Branch): node is Leaf => 'key' in node;
const hashOf = (node: MapNode): Bytes => (node === null ? EMPTY_BYTES : node.hash);
const leaf = (u: Item): Leaf => ({ key: u.key, value: u.value, hash: sha(`\x10${u.key}${u64(u.value)}`) });
const branch = (left: MapNode, right: MapNode): Branch => ({
  left,
  right,
  hash: sha(`\x11${hashOf(left)}${hashOf(right)}`),
});

/** The root hash of a tree (32 zero bytes when empty). */
export function mapRoot(node: MapNode): Buffer {
  return Buffer.from(hashOf(node), 'latin1');
}

/** The first index in [lo, hi) of sorted `items` whose key has bit `depth` set. */
function split(items: ReadonlyArray<Item | Leaf>, lo: number, hi: number, depth: number): number {
  let mid = lo;
  while (mid < hi && bitOf((items[mid] as Item).key, depth) === 0) mid++;
  return mid;
}

/** A fresh subtree of `items[lo, hi)` (distinct keys, sorted, sharing their first `depth` bits). */
function build(items: ReadonlyArray<Item | Leaf>, lo: number, hi: number, depth: number): MapNode {
  if (hi === lo) return null;
  if (hi - lo === 1) {
    const only = items[lo] as Item | Leaf;
    return 'hash' in only ? only : leaf(only);
  }
  const mid = split(items, lo, hi, depth);
  return branch(build(items, lo, mid, depth + 1), build(items, mid, hi, depth + 1));
}

function applyAt(node: MapNode, items: readonly Item[], lo: number, hi: number, depth: number): MapNode {
  if (hi === lo) return node;
  if (node === null) return build(items, lo, hi, depth);
  if (isLeaf(node)) {
    // The leaf joins the batch, in key order (as itself: its hash is kept), unless the batch replaces it.
    const merged: Array<Item | Leaf> = [];
    let placed = false;
    for (let i = lo; i < hi; i++) {
      const item = items[i] as Item;
      if (!placed && item.key >= node.key) {
        placed = true;
        if (item.key !== node.key) merged.push(node);
      }
      merged.push(item);
    }
    if (!placed) merged.push(node);
    return build(merged, 0, merged.length, depth);
  }
  const mid = split(items, lo, hi, depth);
  return branch(
    applyAt(node.left, items, lo, mid, depth + 1),
    applyAt(node.right, items, mid, hi, depth + 1),
  );
}

/** A new tree: `root` with each update's key set to its value (keys distinct); `root` is left unchanged. */
export function applyUpdates(root: MapNode, updates: readonly MapUpdate[]): MapNode {
  return applyItems(
    root,
    updates.map((u) => ({ key: u.key.toString('latin1'), value: u.value })),
  );
}

/** `applyUpdates` for subjects: each keyed by SHA-256 of its UTF-8 text. */
export function applySubjects(root: MapNode, updates: Iterable<[string, number]>): MapNode {
  const items: Item[] = [];
  for (const [subject, value] of updates) items.push({ key: hash('sha256', subject, 'binary'), value });
  return applyItems(root, items);
}

function applyItems(root: MapNode, items: Item[]): MapNode {
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return applyAt(root, items, 0, items.length, 0);
}

/** The proof for `key` in the tree `root`: present with its value, or absent. */
export function proveKey(root: MapNode, key: Buffer): MapProof {
  const k = key.toString('latin1');
  const siblings: Buffer[] = [];
  let node = root;
  for (let depth = 0; node !== null && !isLeaf(node); depth++) {
    const right = bitOf(k, depth) === 1;
    siblings.push(Buffer.from(hashOf(right ? node.left : node.right), 'latin1'));
    node = right ? node.right : node.left;
  }
  if (node === null) return { siblings, end: { kind: 'empty' } };
  if (node.key === k) return { siblings, end: { kind: 'present', value: node.value } };
  return { siblings, end: { kind: 'other', key: Buffer.from(node.key, 'latin1'), value: node.value } };
}

/**
 * True when `proof` shows `key` maps to `value` (a number) or to nothing (`null`) in the tree of `root`.
 * (The customer-side check lives apart from this code, in the portal and in tests; this one serves `verify`
 * and the server's own self-checks.)
 */
export function verifyKeyProof(root: Buffer, key: Buffer, value: number | null, proof: MapProof): boolean {
  const { siblings, end } = proof;
  let hash: Buffer;
  if (end.kind === 'present') {
    if (value === null || end.value !== value) return false;
    hash = mapLeafHash(key, end.value);
  } else {
    if (value !== null) return false;
    if (end.kind === 'empty') hash = EMPTY;
    else {
      if (end.key.equals(key)) return false;
      for (let d = 0; d < siblings.length; d++) if (bitAt(end.key, d) !== bitAt(key, d)) return false;
      hash = mapLeafHash(end.key, end.value);
    }
  }
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const sibling = siblings[depth] as Buffer;
    hash = bitAt(key, depth) === 1 ? mapNodeHash(sibling, hash) : mapNodeHash(hash, sibling);
  }
  return hash.equals(root);
}

/** The checkpoint extension line committing to `root`. */
export function mapExtension(root: Buffer): string {
  return `${MAP_EXTENSION_PREFIX}${root.toString('base64')}`;
}

/** The map root a checkpoint's extension lines commit to; undefined when none does (or it is malformed). */
export function mapRootOf(extensions: readonly string[]): Buffer | undefined {
  const line = extensions.find((l) => l.startsWith(MAP_EXTENSION_PREFIX));
  if (line === undefined) return undefined;
  const root = Buffer.from(line.slice(MAP_EXTENSION_PREFIX.length), 'base64');
  return root.length === 32 && mapExtension(root) === line ? root : undefined;
}
