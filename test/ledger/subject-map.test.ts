import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  applyUpdates,
  mapExtension,
  mapKey,
  mapLeafHash,
  mapRoot,
  mapRootOf,
  proveKey,
  verifyKeyProof,
  type MapNode,
} from '../../src/ledger/subject-map.ts';
import { createSubjectIndex } from '../../src/ledger/subject-index.ts';

const subjects = Array.from({ length: 500 }, (_, i) => `customer-${i}`);

function mapOf(pairs: ReadonlyArray<[string, number]>, batches: number): MapNode {
  let root: MapNode = null;
  const size = Math.ceil(pairs.length / batches);
  for (let i = 0; i < pairs.length; i += size) {
    root = applyUpdates(
      root,
      pairs.slice(i, i + size).map(([s, v]) => ({ key: mapKey(s), value: v })),
    );
  }
  return root;
}

describe('the subject map (sparse Merkle tree)', () => {
  test('empty is 32 zero bytes; one subject is its leaf, hoisted to the root', () => {
    assert.deepEqual(mapRoot(null), Buffer.alloc(32));
    const one = applyUpdates(null, [{ key: mapKey('a'), value: 7 }]);
    assert.deepEqual(mapRoot(one), mapLeafHash(mapKey('a'), 7));
    const proof = proveKey(one, mapKey('a'));
    assert.equal(proof.siblings.length, 0);
    assert.ok(verifyKeyProof(mapRoot(one), mapKey('a'), 7, proof));
  });

  test('the root depends on the contents only, not on how updates were batched or ordered', () => {
    const pairs = subjects.map((s, i): [string, number] => [s, i * 3]);
    const once = mapRoot(mapOf(pairs, 1));
    assert.deepEqual(mapRoot(mapOf(pairs, 7)), once);
    assert.deepEqual(mapRoot(mapOf([...pairs].reverse(), 500)), once);
    // A later value replaces an earlier one.
    const moved = applyUpdates(mapOf(pairs, 3), [{ key: mapKey('customer-9'), value: 10_000 }]);
    const direct = mapOf(
      pairs.map(([s, v]): [string, number] => [s, s === 'customer-9' ? 10_000 : v]),
      1,
    );
    assert.deepEqual(mapRoot(moved), mapRoot(direct));
    assert.notDeepEqual(mapRoot(moved), once);
  });

  test('every subject proves its own value and no other; absent subjects prove absent', () => {
    const pairs = subjects.map((s, i): [string, number] => [s, i]);
    const root = mapOf(pairs, 5);
    const rootHash = mapRoot(root);
    for (const [s, v] of pairs) {
      const proof = proveKey(root, mapKey(s));
      assert.equal(proof.end.kind, 'present');
      assert.ok(verifyKeyProof(rootHash, mapKey(s), v, proof), s);
      assert.equal(verifyKeyProof(rootHash, mapKey(s), v + 1, proof), false, 'another value');
      assert.equal(verifyKeyProof(rootHash, mapKey(s), null, proof), false, 'claimed absent');
      // Proof depth is about log2(500) ≈ 9, not 256.
      assert.ok(proof.siblings.length < 24, `${proof.siblings.length} siblings`);
    }
    for (let i = 0; i < 50; i++) {
      const key = mapKey(`stranger-${i}`);
      const proof = proveKey(root, key);
      assert.notEqual(proof.end.kind, 'present');
      assert.ok(verifyKeyProof(rootHash, key, null, proof));
      assert.equal(verifyKeyProof(rootHash, key, 0, proof), false);
    }
  });

  test('a proof with one sibling changed, dropped or the key swapped fails', () => {
    const root = mapOf(
      subjects.map((s, i): [string, number] => [s, i]),
      1,
    );
    const key = mapKey('customer-42');
    const proof = proveKey(root, key);
    const tampered = proof.siblings.map((h) => Buffer.from(h));
    const flipped = tampered[2] as Buffer;
    flipped.writeUInt8(flipped.readUInt8(0) ^ 1, 0);
    assert.equal(verifyKeyProof(mapRoot(root), key, 42, { ...proof, siblings: tampered }), false);
    assert.equal(
      verifyKeyProof(mapRoot(root), key, 42, { ...proof, siblings: proof.siblings.slice(1) }),
      false,
    );
    assert.equal(verifyKeyProof(mapRoot(root), mapKey('customer-43'), 42, proof), false);
    // An absence proof pointing at a leaf that does not share the path is refused.
    const stranger = randomBytes(32);
    const absent = proveKey(root, stranger);
    if (absent.end.kind === 'other') {
      const wrongLeaf = { kind: 'other' as const, key: mapKey('customer-1'), value: 1 };
      const accepted = verifyKeyProof(mapRoot(root), stranger, null, { ...absent, end: wrongLeaf });
      assert.equal(accepted, false);
    }
  });

  test('trees are persistent: an older root stays provable after newer updates', () => {
    const first = mapOf(
      subjects.slice(0, 100).map((s, i): [string, number] => [s, i]),
      1,
    );
    const firstHash = mapRoot(first);
    const later = applyUpdates(
      first,
      subjects.map((s, i) => ({ key: mapKey(s), value: 1000 + i })),
    );
    assert.deepEqual(mapRoot(first), firstHash);
    assert.ok(verifyKeyProof(firstHash, mapKey('customer-5'), 5, proveKey(first, mapKey('customer-5'))));
    assert.ok(
      verifyKeyProof(mapRoot(later), mapKey('customer-5'), 1005, proveKey(later, mapKey('customer-5'))),
    );
  });

  test('the extension line round-trips and a malformed one commits to nothing', () => {
    const root = randomBytes(32);
    assert.deepEqual(mapRootOf(['other line', mapExtension(root)]), root);
    assert.equal(mapRootOf(['subject-map/v1 AAAA']), undefined);
    assert.equal(mapRootOf([`${mapExtension(root)} `]), undefined);
    assert.equal(mapRootOf([]), undefined);
  });

  test('the subject index keeps the newest entry per subject and the roots of recent checkpoints', () => {
    const index = createSubjectIndex({ map: true });
    index.committed([
      { index: 0, subject: 'a' },
      { index: 1, subject: null },
      { index: 2, subject: 'b' },
      { index: 3, subject: 'a' },
    ]);
    assert.equal(index.prevOf('a'), 3);
    index.committed([{ index: 1, subject: 'a' }]);
    assert.equal(index.prevOf('a'), 3, 'an older index never replaces a newer one');
    const at4 = index.rootFor(4);
    // Another writer's entry above the committed size chains at once but joins the map with the next commit.
    index.ahead([{ index: 4, subject: 'b' }]);
    assert.equal(index.prevOf('b'), 4);
    assert.deepEqual(index.rootFor(4), at4);
    index.committed([{ index: 5, subject: 'c' }]);
    const at6 = index.rootFor(6);
    const proof = index.proof('b', 6);
    assert.ok(proof && verifyKeyProof(at6, mapKey('b'), 4, proof));
    const old = index.proof('a', 4);
    assert.ok(old && verifyKeyProof(at4, mapKey('a'), 3, old));
    assert.equal(index.proof('a', 5), undefined, 'no root held for a size never checkpointed');
  });
});
