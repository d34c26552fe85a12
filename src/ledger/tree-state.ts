/**
 * The growing right edge of the Merkle tree, kept in memory by the sequencer: the compact range (the
 * complete subtrees that make up the tree, largest first) and the rightmost, possibly partial, tile of each
 * tile level. Appending leaves is a pure function from one state to the next, returning the tiles it
 * changed, so a failed write leaves the old state untouched.
 *
 * Tiles follow C2SP tlog-tiles: tile level L holds the hashes of tree level 8·L, 256 per tile.
 */
import { HASH_SIZE, emptyRoot, nodeHash } from './merkle-hash.ts';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;

export interface EdgeNode {
  level: number;
  index: number;
  hash: Buffer;
}

export interface Tile {
  level: number;
  index: number;
  hashes: Buffer[];
}

export interface TreeState {
  size: number;
  /** The compact range: complete subtrees covering [0, size), highest level first. */
  edge: EdgeNode[];
  /** The rightmost tile of each tile level (index = tile level). */
  rightTiles: Tile[];
}

/** Append leaf hashes; returns the next state and the tiles written to (in their new contents). */
export function appendLeaves(
  state: TreeState,
  leafHashes: readonly Buffer[],
): { state: TreeState; tiles: Tile[] } {
  const edge = [...state.edge];
  const rightTiles = state.rightTiles.map((t) => ({ ...t, hashes: [...t.hashes] }));
  // Tiles written by this append: the ones that filled up on the way, and the current right tiles touched.
  const filled: Tile[] = [];
  const touched = new Set<number>();
  let size = state.size;

  const record = (level: number, index: number, hash: Buffer) => {
    if (level % TILE_HEIGHT !== 0) return;
    const tileLevel = level / TILE_HEIGHT;
    const tileIndex = Math.floor(index / TILE_WIDTH);
    let tile = rightTiles[tileLevel];
    if (!tile || tile.index !== tileIndex) {
      if (tile && touched.has(tileLevel)) filled.push(tile);
      tile = { level: tileLevel, index: tileIndex, hashes: [] };
      rightTiles[tileLevel] = tile;
    }
    tile.hashes.push(hash);
    touched.add(tileLevel);
  };

  for (const leaf of leafHashes) {
    let node: EdgeNode = { level: 0, index: size, hash: leaf };
    record(0, size, leaf);
    size++;
    while (edge.length > 0 && (edge[edge.length - 1] as EdgeNode).level === node.level) {
      const left = edge.pop() as EdgeNode;
      node = {
        level: node.level + 1,
        index: Math.floor(left.index / 2),
        hash: nodeHash(left.hash, node.hash),
      };
      record(node.level, node.index, node.hash);
    }
    edge.push(node);
  }
  const tiles = [
    ...filled,
    ...[...touched].map((level) => {
      const tile = rightTiles[level] as Tile;
      return { ...tile, hashes: [...tile.hashes] };
    }),
  ];
  return { state: { size, edge, rightTiles }, tiles };
}

/** The root of the tree the state describes (RFC 9162: fold the compact range right to left). */
export function stateRoot(state: TreeState): Buffer {
  if (state.edge.length === 0) return emptyRoot();
  let hash = (state.edge[state.edge.length - 1] as EdgeNode).hash;
  for (let i = state.edge.length - 2; i >= 0; i--) hash = nodeHash((state.edge[i] as EdgeNode).hash, hash);
  return hash;
}

export function packHashes(hashes: readonly Buffer[]): Buffer {
  return Buffer.concat(hashes as Buffer[]);
}

export function unpackHashes(packed: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < packed.length; i += HASH_SIZE) out.push(packed.subarray(i, i + HASH_SIZE));
  return out;
}

/** Where tree node (level, index) lives: the tile holding it or, between tile levels, its descendants. */
export function tileSpan(
  level: number,
  index: number,
): { tileLevel: number; tileIndex: number; from: number; count: number } {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const below = level - tileLevel * TILE_HEIGHT;
  const first = index * 2 ** below;
  return {
    tileLevel,
    tileIndex: Math.floor(first / TILE_WIDTH),
    from: first % TILE_WIDTH,
    count: 2 ** below,
  };
}
