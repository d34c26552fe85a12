/**
 * The narrow read interface proof generation needs from storage: hashes of *complete* subtrees, addressed by
 * level and index, fetched in one batch. Tiles (C2SP tlog-tiles) and a node table both hold exactly these, so
 * a storage layer answers a proof with O(log n) reads and never recomputes a ragged right edge itself.
 * Also an in-memory reader over a list of leaf hashes, for tests and small tools.
 */
import { LedgerProofError } from './ledger-errors.ts';
import { nodeHash } from './merkle-hash.ts';

/**
 * A complete subtree: level `level`, index `index` covers leaves [index·2^level, (index+1)·2^level).
 * Level 0 nodes are the leaf hashes themselves.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Supplies hashes of complete subtrees of the log. */
export interface HashReader {
  /**
   * Returns the hash of each requested complete subtree, in the order asked. Throws (or rejects) if a node
   * is not stored, for example because the tree is not yet that large.
   */
  readNodes(ids: readonly NodeId[]): Promise<readonly Buffer[]> | readonly Buffer[];
}

/**
 * A `HashReader` over leaf hashes held in memory. Every complete subtree is precomputed (about n hashes), so
 * reads are lookups. Asking for a node beyond the leaves throws `LedgerProofError('node_unavailable')`.
 *
 * @example
 * const reader = createMemoryHashReader(entries.map(leafHash));
 * const proof = await inclusionProof(3, entries.length, reader);
 */
export function createMemoryHashReader(leafHashes: readonly Buffer[]): HashReader {
  const levels: Buffer[][] = [[...leafHashes]];
  for (let below = levels[0] as Buffer[]; below.length >= 2;) {
    const above: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2)
      above.push(nodeHash(below[i] as Buffer, below[i + 1] as Buffer));
    levels.push(above);
    below = above;
  }
  return {
    readNodes(ids) {
      return ids.map(({ level, index }) => {
        const hash = levels[level]?.[index];
        if (hash === undefined) {
          throw new LedgerProofError(
            'node_unavailable',
            `No complete node at level ${level}, index ${index}`,
          );
        }
        return hash;
      });
    },
  };
}
