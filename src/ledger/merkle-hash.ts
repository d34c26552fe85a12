/**
 * RFC 9162 (RFC 6962) Merkle tree hashing with SHA-256. Leaves are hashed as SHA-256(0x00 || entry) and
 * interior nodes as SHA-256(0x01 || left || right); the distinct prefixes keep a leaf from ever hashing like
 * an interior node. The tree over n leaves splits at the largest power of two below n, so every left subtree
 * is complete and only the right edge can be ragged.
 */
import { createHash, hash } from 'node:crypto';

/** Size in bytes of every leaf, node and root hash (SHA-256). */
export const HASH_SIZE = 32;

/** 0x01 ‖ left ‖ right, reused: a one-shot hash of one buffer costs half of a streamed hash of three. */
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);

/** The RFC 9162 leaf hash of one log entry: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + entry.length);
  input[0] = 0x00;
  input.set(entry, 1);
  return hash('sha256', input, 'buffer');
}

/** The RFC 9162 interior-node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash('sha256').update(nodeInput.subarray(0, 1)).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

/** The root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/**
 * The Merkle tree hash of a whole list of leaf hashes held in memory (O(n) hashing). Pairs nodes level by
 * level and carries an odd last node up unchanged, which yields exactly the RFC's largest-power-of-two split.
 *
 * @example rootOfLeafHashes([leafHash(a), leafHash(b), leafHash(c)]) // = nodeHash(nodeHash(ha, hb), hc)
 */
export function rootOfLeafHashes(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return emptyRoot();
  let level: Uint8Array[] = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return Buffer.from(level[0] as Uint8Array);
}
