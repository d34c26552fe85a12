/**
 * Answers proof generation's reads (`HashReader`) from stored tiles: any complete node is either a hash in
 * one tile or the root of an aligned run of at most 128 hashes of one tile, so a proof costs one tile read
 * per tile level touched — O(log₂₅₆ n) reads, four at 100M entries. Full tiles never change: they are
 * cached with their internal subtree hashes already folded, so a warm proof hashes nothing.
 */
import type { HashReader, NodeId } from './hash-reader.ts';
import { LedgerProofError } from './ledger-errors.ts';
import type { LedgerStore } from './ledger.store.ts';
import { nodeHash } from './merkle-hash.ts';
import { foldComplete, type Tile, TILE_HEIGHT, TILE_WIDTH, tileSpan, unpackHashes } from './tree-state.ts';

/** A full tile's hashes and every subtree above them: levels[k][i] is the i-th node k levels up. */
type FoldedTile = Buffer[][];

function foldTile(hashes: Buffer[]): FoldedTile {
  const levels: FoldedTile = [hashes];
  for (let k = 1; k <= TILE_HEIGHT; k++) {
    const below = levels[k - 1] as Buffer[];
    const above: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2)
      above.push(nodeHash(below[i] as Buffer, below[i + 1] as Buffer));
    levels.push(above);
  }
  return levels;
}

export function createTileReader(
  store: Pick<LedgerStore, 'tile'>,
  rightTiles: () => readonly Tile[],
  cacheSize = 4096,
): HashReader {
  const cache = new Map<string, FoldedTile>();

  /** A tile's hashes; the in-memory right tile serves only if it has `needed` (another process may be ahead). */
  async function tile(
    level: number,
    index: number,
    needed = 0,
  ): Promise<{ hashes: Buffer[]; folded?: FoldedTile }> {
    const right = rightTiles()[level];
    if (right && right.index === index && right.hashes.length >= needed) return { hashes: right.hashes };
    const key = `${level}/${index}`;
    const cached = cache.get(key);
    if (cached) {
      cache.delete(key);
      cache.set(key, cached);
      return { hashes: cached[0] as Buffer[], folded: cached };
    }
    const row = await store.tile(level, index);
    const hashes = row ? unpackHashes(row.hashes) : [];
    if (hashes.length !== TILE_WIDTH || cacheSize === 0) return { hashes };
    const folded = foldTile(hashes);
    cache.set(key, folded);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    return { hashes, folded };
  }

  return {
    async readNodes(ids: readonly NodeId[]): Promise<Buffer[]> {
      const out: Buffer[] = [];
      for (const { level, index } of ids) {
        const span = tileSpan(level, index);
        const { hashes, folded } = await tile(span.tileLevel, span.tileIndex, span.from + span.count);
        if (span.from + span.count > hashes.length) {
          throw new LedgerProofError(
            'node_unavailable',
            `No complete node at level ${level}, index ${index}`,
          );
        }
        const up = level - span.tileLevel * TILE_HEIGHT;
        out.push(
          folded
            ? ((folded[up] as Buffer[])[span.from >> up] as Buffer)
            : foldComplete(hashes.slice(span.from, span.from + span.count)),
        );
      }
      return out;
    },
  };
}

export type TileReader = ReturnType<typeof createTileReader>;
