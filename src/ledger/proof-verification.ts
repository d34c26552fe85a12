/**
 * Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs. Pure and total: every
 * malformed input (non-integer or out-of-range sizes, hashes that are not 32 bytes, proofs that are too short
 * or too long, wrong roots) is refused with a reason, never by a crash. These functions are what
 * `custos verify`, auditors and witnesses rely on, so they take nothing on trust from the prover.
 */
import { LedgerProofError, type LedgerProofReason } from './ledger-errors.ts';
import { HASH_SIZE, nodeHash } from './merkle-hash.ts';

/**
 * True when `proof` shows that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
 * Refuses index ≥ size (so any proof into the empty tree) and any hash that is not 32 bytes.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  return inclusionFailure(index, size, leafHash, proof, root) === null;
}

/** Like `verifyInclusion`, but throws `LedgerProofError` naming the reason instead of returning false. */
export function assertInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const reason = inclusionFailure(index, size, leafHash, proof, root);
  if (reason !== null) {
    throw new LedgerProofError(reason, `Inclusion proof of leaf ${index} in tree ${size} refused`);
  }
}

/**
 * True when `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of the tree of
 * `size2` leaves with root `root2`.
 *
 * Rules beyond the RFC algorithm:
 * - **size1 = 0 is always refused** (`empty_old_tree`), even with an empty proof: every tree extends the
 *   empty tree, so such a "proof" shows nothing, and accepting it would let a caller mistake a first,
 *   unchecked checkpoint for a verified one. A witness or client that trusts its first checkpoint on first
 *   use (C2SP tlog-witness "old 0") must handle that case itself, before calling this.
 * - size1 = size2 needs an empty proof and byte-equal roots; nothing is hashed, so root lengths are not
 *   checked there (as in the reference vectors).
 * - size1 < size2 needs 32-byte roots and proof hashes, and a non-empty proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  return consistencyFailure(size1, size2, proof, root1, root2) === null;
}

/** Like `verifyConsistency`, but throws `LedgerProofError` naming the reason instead of returning false. */
export function assertConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const reason = consistencyFailure(size1, size2, proof, root1, root2);
  if (reason !== null) {
    throw new LedgerProofError(reason, `Consistency proof from ${size1} to ${size2} refused`);
  }
}

function inclusionFailure(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): LedgerProofReason | null {
  if (!isTreeSize(index) || !isTreeSize(size)) return 'invalid_size';
  if (index >= size) return 'index_out_of_range';
  if (!allHashes([leafHash, root, ...proof])) return 'bad_hash_length';
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0n) return 'wrong_proof_length';
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      // A left child on the right edge with no sibling: climb until it is a right child (or the top).
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return 'wrong_proof_length';
  return bytesEqual(r, root) ? null : 'root_mismatch';
}

function consistencyFailure(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): LedgerProofReason | null {
  if (!isTreeSize(size1) || !isTreeSize(size2)) return 'invalid_size';
  if (size1 > size2) return 'size_order';
  if (size1 === 0) return 'empty_old_tree';
  if (size1 === size2) {
    if (proof.length !== 0) return 'wrong_proof_length';
    return bytesEqual(root1, root2) ? null : 'root_mismatch';
  }
  if (!allHashes([root1, root2, ...proof])) return 'bad_hash_length';
  if (proof.length === 0) return 'wrong_proof_length';
  // When size1 is a power of two the old tree is itself a complete subtree: its root starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Uint8Array = path[0] as Uint8Array;
  let sr: Uint8Array = fr;
  for (const c of path.slice(1)) {
    if (sn === 0n) return 'wrong_proof_length';
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return 'wrong_proof_length';
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) ? null : 'root_mismatch';
}

function isTreeSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isPowerOfTwo(value: number): boolean {
  const v = BigInt(value);
  return v > 0n && (v & (v - 1n)) === 0n;
}

function allHashes(values: readonly Uint8Array[]): boolean {
  return values.every((v) => v instanceof Uint8Array && v.length === HASH_SIZE);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
