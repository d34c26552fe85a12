import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../src/demo/synthetic-people.ts';
import { createMemoryHashReader, type HashReader, type NodeId } from '../../src/ledger/hash-reader.ts';
import { LedgerProofError } from '../../src/ledger/ledger-errors.ts';
import { leafHash } from '../../src/ledger/merkle-hash.ts';
import { inclusionProof, treeRoot } from '../../src/ledger/merkle-proofs.ts';
import type { StoredTile } from '../../src/ledger/ledger.store.ts';
import { createTileReader } from '../../src/ledger/tile-reader.ts';
import { appendLeaves, packHashes, type TreeState } from '../../src/ledger/tree-state.ts';

/** A tree built the way the sequencer builds it, its tiles in a map standing for storage. */
function growingTree() {
  const tiles = new Map<string, Buffer>();
  const leaves: Buffer[] = [];
  let state: TreeState = { size: 0, edge: [], rightTiles: [] };
  let reads = 0;
  return {
    store: {
      tile: async (level: number, index: number): Promise<StoredTile | undefined> => {
        reads++;
        const hashes = tiles.get(`${level}/${index}`);
        return hashes && { level, index, hashes };
      },
    },
    tiles,
    leaves,
    state: () => state,
    reads: () => reads,
    append(count: number) {
      const added = Array.from({ length: count }, (_, i) =>
        leafHash(Buffer.from(`entry ${leaves.length + i}`)),
      );
      const next = appendLeaves(state, added);
      for (const t of next.tiles) tiles.set(`${t.level}/${t.index}`, packHashes(t.hashes));
      leaves.push(...added);
      state = next.state;
    },
  };
}

/** Every complete node at `levels` for a sample of indexes, asked of both readers. */
async function sameNodes(reader: HashReader, reference: HashReader, size: number, pick: () => number) {
  const ids: NodeId[] = [];
  for (let level = 0; 2 ** level <= size; level++) {
    const count = Math.floor(size / 2 ** level);
    for (let k = 0; k < 12; k++) ids.push({ level, index: pick() % count });
    ids.push({ level, index: count - 1 });
  }
  assert.deepEqual(await reader.readNodes(ids), await reference.readNodes(ids));
}

test('tile reader: every complete node equals the in-memory reference, from memory and from storage alone', async () => {
  const random = seededRandom(12);
  const tree = growingTree();
  const fromMemory = createTileReader(tree.store, () => tree.state().rightTiles);
  const fromStorage = createTileReader(tree.store, () => [], { cacheBytes: 0 });
  // Across tile boundaries of level 0 and 1 (65,536 leaves), growing in uneven steps with one reader.
  for (const step of [1, 2, 253, 256, 4_000, 61_021, 1, 300, 5_000]) {
    tree.append(step);
    const reference = createMemoryHashReader(tree.leaves);
    const size = tree.leaves.length;
    const pick = () => random.int(0, 1 << 30);
    await sameNodes(fromMemory, reference, size, pick);
    await sameNodes(fromStorage, reference, size, pick);
    const index = pick() % size;
    assert.deepEqual(
      await inclusionProof(index, size, fromMemory),
      await inclusionProof(index, size, reference),
    );
    assert.deepEqual(await treeRoot(size, fromMemory), await treeRoot(size, reference));
  }
});

test('tile reader: a warm proof reads no storage, and a proof against an older size still comes from memory', async () => {
  const tree = growingTree();
  tree.append(70_001);
  const reader = createTileReader(tree.store, () => tree.state().rightTiles);
  const size = tree.leaves.length;
  await inclusionProof(1234, size, reader);
  const before = tree.reads();
  const reference = createMemoryHashReader(tree.leaves);
  assert.deepEqual(await inclusionProof(1234, size, reader), await inclusionProof(1234, size, reference));
  assert.deepEqual(await inclusionProof(69_999, size, reader), await inclusionProof(69_999, size, reference));
  tree.append(3);
  const older = createMemoryHashReader(tree.leaves.slice(0, size));
  assert.deepEqual(await inclusionProof(69_999, size, reader), await inclusionProof(69_999, size, older));
  assert.equal(tree.reads(), before);
});

test('tile reader: the cache is bounded, and a caller changing a returned hash changes nothing cached', async () => {
  const tree = growingTree();
  tree.append(256 * 6 + 7);
  const reference = createMemoryHashReader(tree.leaves);
  const reader = createTileReader(tree.store, () => tree.state().rightTiles, { cacheBytes: 2 * 16_352 });
  const nodes = Array.from({ length: 6 }, (_, i) => ({ level: 0, index: 256 * i + 5 }));
  for (const id of nodes) await reader.readNodes([id]);
  const before = tree.reads();
  await reader.readNodes(nodes.slice(4));
  assert.equal(tree.reads(), before, 'the two most recent tiles are kept');
  await reader.readNodes(nodes.slice(0, 1));
  assert.equal(tree.reads(), before + 1, 'an older one was let go');
  const [hash] = await reader.readNodes([{ level: 3, index: 1 }]);
  (hash as Buffer).fill(0);
  assert.deepEqual(
    await reader.readNodes([{ level: 3, index: 1 }]),
    await reference.readNodes([{ level: 3, index: 1 }]),
  );
});

test('tile reader: a node past the log, or in a damaged stored tile, is unavailable', async () => {
  const tree = growingTree();
  tree.append(600);
  const reader = createTileReader(tree.store, () => [], { cacheBytes: 0 });
  const unavailable = (e: unknown) => e instanceof LedgerProofError && e.reason === 'node_unavailable';
  await assert.rejects(async () => reader.readNodes([{ level: 0, index: 600 }]), unavailable);
  await assert.rejects(async () => reader.readNodes([{ level: 4, index: 37 }]), unavailable);
  tree.tiles.set('0/2', (tree.tiles.get('0/2') as Buffer).subarray(0, 32 * 10 + 5));
  await assert.rejects(async () => reader.readNodes([{ level: 0, index: 522 }]), unavailable);
});
