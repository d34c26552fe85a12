/**
 * One tile with every complete subtree inside it already hashed: `node(up, i)` is the i-th node `up` levels
 * above the tile's own level (0 ≤ up ≤ 8), or undefined while that node is not complete. A tile only grows
 * (C2SP tlog-tiles: a partial tile is a prefix of the full one), so `extend` hashes each new node once, the
 * way the tree itself is built; a full tile is immutable. Nodes are packed per level in preallocated buffers:
 * 511 hashes, ~16 KiB, for a full tile.
 */
import { HASH_SIZE, nodeHash } from './merkle-hash.ts';
import { TILE_HEIGHT, TILE_WIDTH } from './tree-state.ts';

/** Bytes a folded tile holds (its packed levels), for a cache bounded by bytes. */
export const FOLDED_TILE_BYTES = (2 * TILE_WIDTH - 1) * HASH_SIZE;

export class FoldedTile {
  /** How many hashes of the tile's own level are in (1 to 256). */
  width = 0;
  private readonly levels: Buffer[] = Array.from({ length: TILE_HEIGHT + 1 }, (_, up) =>
    Buffer.allocUnsafe((TILE_WIDTH >> up) * HASH_SIZE),
  );

  constructor(
    readonly level: number,
    readonly index: number,
  ) {}

  /** Fold a tile's hashes (a whole stored tile, or a prefix of it). */
  static of(level: number, index: number, hashes: readonly Uint8Array[]): FoldedTile {
    const tile = new FoldedTile(level, index);
    tile.extend(hashes);
    return tile;
  }

  get full(): boolean {
    return this.width === TILE_WIDTH;
  }

  /**
   * Take in `hashes[width…]`; the hashes before `width` must be the ones already in (tiles only grow). Stops
   * at a hash of the wrong length (a damaged stored tile): nothing from there on is complete.
   */
  extend(hashes: readonly Uint8Array[]): void {
    const end = Math.min(hashes.length, TILE_WIDTH);
    for (; this.width < end; this.width++) {
      let at = this.width;
      const hash = hashes[at] as Uint8Array;
      if (hash.length !== HASH_SIZE) return; // a damaged stored tile: what follows is not available
      (this.levels[0] as Buffer).set(hash, at * HASH_SIZE);
      for (let up = 0; (at & 1) === 1; up++, at >>= 1) {
        const parent = nodeHash(this.hashAt(up, at - 1), this.hashAt(up, at));
        parent.copy(this.levels[up + 1] as Buffer, (at >> 1) * HASH_SIZE);
      }
    }
  }

  /**
   * The hash of node `i` at `up` levels above the tile's level (a copy: callers may keep or change it), or
   * undefined if it is not complete.
   */
  node(up: number, i: number): Buffer | undefined {
    if (up < 0 || up > TILE_HEIGHT || i < 0 || (i + 1) * 2 ** up > this.width) return undefined;
    return Buffer.from(this.hashAt(up, i));
  }

  private hashAt(up: number, i: number): Buffer {
    return (this.levels[up] as Buffer).subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}
