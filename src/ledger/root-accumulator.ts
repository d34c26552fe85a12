/**
 * Roots of growing prefixes of an RFC 9162 tree, one leaf at a time, in O(log n) memory: the compact range
 * (complete subtrees, largest first) is kept and folded right to left for the root. It can start from the
 * compact range of a prefix read elsewhere (tiles), so a suffix of leaves can be held against a signed root
 * without rereading the whole log.
 */
import { emptyRoot, nodeHash } from './merkle-hash.ts';

export interface RangeNode {
  level: number;
  hash: Buffer;
}

/** The node ids of the compact range of [0, size): complete subtrees, largest first. */
export function compactRangeIds(size: number): { level: number; index: number }[] {
  const ids: { level: number; index: number }[] = [];
  let start = 0;
  for (let level = 53; level >= 0; level--) {
    const span = 2 ** level;
    if (size - start >= span) {
      ids.push({ level, index: start / span });
      start += span;
    }
  }
  return ids;
}

export function rootAccumulator(range: readonly RangeNode[] = []) {
  const edge: RangeNode[] = [...range];
  let size = range.reduce((n, node) => n + 2 ** node.level, 0);
  return {
    size: () => size,
    push(leaf: Buffer) {
      let node: RangeNode = { level: 0, hash: leaf };
      while (edge.length > 0 && edge[edge.length - 1]?.level === node.level) {
        const left = edge.pop() as RangeNode;
        node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
      }
      edge.push(node);
      size++;
    },
    root(): Buffer {
      if (edge.length === 0) return emptyRoot();
      let hash = (edge[edge.length - 1] as RangeNode).hash;
      for (let i = edge.length - 2; i >= 0; i--) hash = nodeHash((edge[i] as RangeNode).hash, hash);
      return hash;
    },
  };
}
