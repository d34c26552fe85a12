/**
 * Answers proof generation's reads (`HashReader`) from tiles: any complete node is either a hash in one tile
 * or the root of an aligned run of at most 128 hashes of one tile, so a proof touches one tile per tile level
 * — O(log₂₅₆ n), four at 100M entries.
 *
 * Where tiles come from: the rightmost tile of each level from the sequencer's in-memory tree (folded as it
 * grows, each new node hashed once); full tiles from storage, folded once and kept in an LRU bounded by
 * bytes (a full tile never changes). So a warm proof reads no storage and hashes nothing. A partial tile
 * only in storage (another process appended further) is read and folded each time. `custos verify` never
 * goes through this reader: it reads storage itself, so no cache can hide an edited tile from it.
 */
import { FOLDED_TILE_BYTES, FoldedTile } from './folded-tile.ts';
import type { HashReader, NodeId } from './hash-reader.ts';
import { LedgerProofError } from './ledger-errors.ts';
import type { LedgerStore } from './ledger.store.ts';
import { type Tile, TILE_HEIGHT, tileSpan, unpackHashes } from './tree-state.ts';

/** Default bound of the full-tile cache: 64 MiB, ~4,000 tiles, every tile of a 1M-entry log. */
export const TILE_CACHE_BYTES = 64 * 1024 * 1024;

export interface TileReaderOptions {
  /** Bytes of folded full tiles kept (0: none). */
  cacheBytes?: number;
}

export function createTileReader(
  store: Pick<LedgerStore, 'tile'>,
  rightTiles: () => readonly Tile[],
  options: TileReaderOptions = {},
): HashReader {
  const capacity = Math.floor((options.cacheBytes ?? TILE_CACHE_BYTES) / FOLDED_TILE_BYTES);
  /** Full tiles by `level/index`, least recently used first. */
  const full = new Map<string, FoldedTile>();
  /** The sequencer's right tile of each level, folded as far as it has grown. */
  const edge: FoldedTile[] = [];

  const remember = (tile: FoldedTile) => {
    if (capacity === 0) return;
    full.set(`${tile.level}/${tile.index}`, tile);
    if (full.size > capacity) full.delete(full.keys().next().value as string);
  };

  /** The in-memory right tile, if it is this one and has `needed` hashes (another process may be ahead). */
  function fromEdge(level: number, index: number, needed: number): FoldedTile | undefined {
    const right = rightTiles()[level];
    if (!right || right.index !== index || right.hashes.length < needed) return undefined;
    let folded = edge[level];
    if (!folded || folded.index !== index || folded.width > right.hashes.length) {
      // The tile before, if it filled up here, is full now: it goes to the cache instead of being re-read.
      if (folded?.full) remember(folded);
      folded = new FoldedTile(level, index);
      edge[level] = folded;
    }
    folded.extend(right.hashes);
    return folded;
  }

  /** A tile from memory, or undefined if storage must be read. */
  function cached(level: number, index: number, needed: number): FoldedTile | undefined {
    const hit = fromEdge(level, index, needed);
    if (hit) return hit;
    const key = `${level}/${index}`;
    const tile = full.get(key);
    if (tile) {
      full.delete(key);
      full.set(key, tile);
    }
    return tile;
  }

  async function load(level: number, index: number): Promise<FoldedTile> {
    const row = await store.tile(level, index);
    const tile = FoldedTile.of(level, index, row ? unpackHashes(row.hashes) : []);
    if (tile.full) remember(tile);
    return tile;
  }

  return {
    readNodes(ids: readonly NodeId[]): readonly Buffer[] | Promise<readonly Buffer[]> {
      const spans = ids.map((id) => tileSpan(id.level, id.index));
      const tiles = spans.map((s) => cached(s.tileLevel, s.tileIndex, s.from + s.count));
      const answer = () =>
        ids.map((id, i) => {
          const span = spans[i] as (typeof spans)[number];
          const up = id.level - span.tileLevel * TILE_HEIGHT;
          const hash = tiles[i]?.node(up, span.from >> up);
          if (!hash) {
            throw new LedgerProofError(
              'node_unavailable',
              `No complete node at level ${id.level}, index ${id.index}`,
            );
          }
          return hash;
        });
      if (!tiles.includes(undefined)) return answer();
      return (async () => {
        const loaded = new Map<string, FoldedTile>();
        for (const [i, s] of spans.entries()) {
          if (tiles[i]) continue;
          const key = `${s.tileLevel}/${s.tileIndex}`;
          let tile = loaded.get(key);
          if (!tile) {
            tile = await load(s.tileLevel, s.tileIndex);
            loaded.set(key, tile);
          }
          tiles[i] = tile;
        }
        return answer();
      })();
    },
  };
}
