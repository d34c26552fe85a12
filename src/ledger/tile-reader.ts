/**
 * Answers proof generation's reads (`HashReader`) from stored tiles: any complete node is either a hash in
 * one tile or the fold of at most 128 consecutive hashes of one tile, so a proof costs one tile read per
 * tile level touched — O(log₂₅₆ n) reads, four at 100M entries. Full tiles never change and are cached.
 */
import type { HashReader, NodeId } from './hash-reader.ts';
import { LedgerProofError } from './ledger-errors.ts';
import type { LedgerStore } from './ledger.store.ts';
import { foldComplete, type Tile, TILE_WIDTH, tileSpan, unpackHashes } from './tree-state.ts';

export function createTileReader(
  store: Pick<LedgerStore, 'tile'>,
  rightTiles: () => readonly Tile[],
  cacheSize = 4096,
): HashReader & { tileHashes(level: number, index: number): Promise<Buffer[]> } {
  const cache = new Map<string, Buffer[]>();

  /** A tile's hashes; the in-memory right tile serves only if it has `needed` (another process may be ahead). */
  async function tileHashes(level: number, index: number, needed = 0): Promise<Buffer[]> {
    const right = rightTiles()[level];
    if (right && right.index === index && right.hashes.length >= needed) return right.hashes;
    const key = `${level}/${index}`;
    const cached = cache.get(key);
    if (cached) {
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const row = await store.tile(level, index);
    const hashes = row ? unpackHashes(row.hashes) : [];
    if (hashes.length === TILE_WIDTH) {
      cache.set(key, hashes);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    }
    return hashes;
  }

  return {
    tileHashes,
    async readNodes(ids: readonly NodeId[]): Promise<Buffer[]> {
      const out: Buffer[] = [];
      for (const { level, index } of ids) {
        const span = tileSpan(level, index);
        const hashes = await tileHashes(span.tileLevel, span.tileIndex, span.from + span.count);
        if (span.from + span.count > hashes.length) {
          throw new LedgerProofError(
            'node_unavailable',
            `No complete node at level ${level}, index ${index}`,
          );
        }
        out.push(foldComplete(hashes.slice(span.from, span.from + span.count)));
      }
      return out;
    },
  };
}

export type TileReader = ReturnType<typeof createTileReader>;
