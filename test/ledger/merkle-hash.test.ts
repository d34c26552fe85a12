import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { emptyRoot, leafHash, nodeHash, rootOfLeafHashes } from '../../src/ledger/merkle-hash.ts';

interface RootVectors {
  hasher_kats: {
    desc: string;
    op: 'empty_root' | 'leaf_hash' | 'node_hash';
    input_ascii?: string;
    left_ascii?: string;
    right_ascii?: string;
    want: string;
  }[];
  leaf_inputs_hex: string[];
  leaf_hashes_hex: string[];
  node_hashes_by_level: { levels: string[][] };
  root_hashes_by_size: { tree_size: number; root_hex: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/vectors/merkle_roots.json', import.meta.url), 'utf8'),
) as RootVectors;
const leaves = vectors.leaf_inputs_hex.map((h) => Buffer.from(h, 'hex'));

test('hasher known answers (empty root, leaf and node hashes)', () => {
  assert.equal(vectors.hasher_kats.length, 4);
  for (const kat of vectors.hasher_kats) {
    const got =
      kat.op === 'empty_root'
        ? emptyRoot()
        : kat.op === 'leaf_hash'
          ? leafHash(Buffer.from(kat.input_ascii ?? '', 'ascii'))
          : nodeHash(Buffer.from(kat.left_ascii ?? '', 'ascii'), Buffer.from(kat.right_ascii ?? '', 'ascii'));
    assert.equal(got.toString('hex'), kat.want, kat.desc);
  }
});

test('leaf hashes of the 8-leaf reference tree', () => {
  assert.deepEqual(
    leaves.map((l) => leafHash(l).toString('hex')),
    vectors.leaf_hashes_hex,
  );
});

test('roots for every size 0..8', () => {
  assert.equal(vectors.root_hashes_by_size.length, 9);
  for (const { tree_size, root_hex } of vectors.root_hashes_by_size) {
    const root = rootOfLeafHashes(leaves.slice(0, tree_size).map(leafHash));
    assert.equal(root.toString('hex'), root_hex, `size ${tree_size}`);
  }
});

test('complete-subtree hashes level by level', () => {
  const levels = vectors.node_hashes_by_level.levels;
  levels.forEach((level, l) => {
    level.forEach((want, i) => {
      const span = leaves.slice(i * 2 ** l, (i + 1) * 2 ** l).map(leafHash);
      assert.equal(rootOfLeafHashes(span).toString('hex'), want, `level ${l} index ${i}`);
    });
  });
});

test('a leaf never hashes like a node (domain separation)', () => {
  const [a, b] = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
  assert.notDeepEqual(leafHash(Buffer.concat([a, b])), nodeHash(a, b));
});
