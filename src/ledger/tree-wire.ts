/**
 * The tree state between threads: its hashes packed into one buffer per tile and one for the compact range,
 * so handing a state to the commit worker (or back) clones a few buffers, not hundreds of small ones.
 */
import { type EdgeNode, type TreeState, unpackHashes } from './tree-state.ts';
import { HASH_SIZE } from './merkle-hash.ts';

export interface PackedTreeState {
  size: number;
  /** The compact range: levels and indexes, with their hashes concatenated in `edgeHashes`. */
  edge: Array<[level: number, index: number]>;
  edgeHashes: Uint8Array;
  /** The rightmost tile of each level, its hashes concatenated. */
  rightTiles: Array<{ level: number; index: number; hashes: Uint8Array }>;
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function packTreeState(state: TreeState): PackedTreeState {
  return {
    size: state.size,
    edge: state.edge.map((n) => [n.level, n.index]),
    edgeHashes: Buffer.concat(state.edge.map((n) => n.hash)),
    rightTiles: state.rightTiles.map((t) => ({
      level: t.level,
      index: t.index,
      hashes: Buffer.concat(t.hashes),
    })),
  };
}

/** The state again, its hashes views into the packed buffers (no copy). */
export function unpackTreeState(packed: PackedTreeState): TreeState {
  const edgeHashes = asBuffer(packed.edgeHashes);
  return {
    size: packed.size,
    edge: packed.edge.map(([level, index], i): EdgeNode => ({
      level,
      index,
      hash: edgeHashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE),
    })),
    rightTiles: packed.rightTiles.map((t) => ({
      level: t.level,
      index: t.index,
      hashes: unpackHashes(asBuffer(t.hashes)),
    })),
  };
}
