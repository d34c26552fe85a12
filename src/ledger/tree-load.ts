/**
 * Rebuilding the sequencer's in-memory tree edge from storage: the rightmost tile of each level and the
 * compact range, read through the same tile reader proofs use — O(log n) reads at start.
 */
import { CustosError } from '../platform/errors.ts';
import type { NodeId } from './hash-reader.ts';
import type { LedgerStore } from './ledger.store.ts';
import { createTileReader } from './tile-reader.ts';
import { type EdgeNode, type Tile, TILE_WIDTH, type TreeState, unpackHashes } from './tree-state.ts';

export async function loadTreeState(store: Pick<LedgerStore, 'size' | 'tile'>): Promise<TreeState> {
  const size = await store.size();
  const rightTiles: Tile[] = [];
  for (let level = 0; ; level++) {
    const nodes = Math.floor(size / TILE_WIDTH ** level);
    if (nodes === 0) break;
    const index = Math.floor((nodes - 1) / TILE_WIDTH);
    const width = nodes - index * TILE_WIDTH;
    const tile = await store.tile(level, index);
    const hashes = tile ? unpackHashes(tile.hashes) : [];
    if (hashes.length < width) {
      throw new CustosError('LEDGER_UNAVAILABLE', `Ledger tile ${level}/${index} is shorter than the log`);
    }
    rightTiles[level] = { level, index, hashes: hashes.slice(0, width) };
  }
  const ids: NodeId[] = [];
  let start = 0;
  for (let level = 53; level >= 0; level--) {
    const span = 2 ** level;
    if (size - start >= span) {
      ids.push({ level, index: start / span });
      start += span;
    }
  }
  const reader = createTileReader({ tile: (l, i) => store.tile(l, i) }, () => rightTiles, {
    cacheBytes: 0,
  });
  const hashes = await reader.readNodes(ids);
  const edge: EdgeNode[] = ids.map((id, i) => ({ ...id, hash: hashes[i] as Buffer }));
  return { size, edge, rightTiles };
}
