import assert from 'node:assert/strict';
import { seededRandom } from '../../src/demo/synthetic-people.ts';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createMemoryHashReader, type HashReader, type NodeId } from '../../src/ledger/hash-reader.ts';
import { LedgerProofError } from '../../src/ledger/ledger-errors.ts';
import { leafHash, nodeHash, rootOfLeafHashes } from '../../src/ledger/merkle-hash.ts';
import { consistencyProof, inclusionProof, treeRoot } from '../../src/ledger/merkle-proofs.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/proof-verification.ts';

function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../../shared/vectors/${file}`, import.meta.url), 'utf8')) as T;
}

interface ProofCase {
  file: string;
  desc: string;
  proof: string[] | null;
  wantErr: boolean;
}
const roots = loadVectors<{
  leaf_inputs_hex: string[];
  root_hashes_by_size: { tree_size: number; root_hex: string }[];
}>('merkle_roots.json');
const inclusion = loadVectors<{
  cases: (ProofCase & { leafIdx: number; treeSize: number })[];
  ct_cpp_reference_paths: {
    cases: { tree_size: number; leaf_index_0based?: number; audit_path_hex: string[] }[];
  };
}>('inclusion_proofs.json');
const consistency = loadVectors<{
  cases: (ProofCase & { size1: number; size2: number })[];
  ct_cpp_reference_proofs: { cases: { size1: number; size2: number; proof_hex: string[] }[] };
}>('consistency_proofs.json');

const referenceLeaves = roots.leaf_inputs_hex.map((h) => leafHash(Buffer.from(h, 'hex')));
const reference = createMemoryHashReader(referenceLeaves);
const asHex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex'));
const b64ToHex = (proof: string[] | null) =>
  (proof ?? []).map((p) => Buffer.from(p, 'base64').toString('hex'));

async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof LedgerProofError && e.reason === reason);
}

test('generated audit paths equal the CT C++ reference paths', async () => {
  const cases = inclusion.ct_cpp_reference_paths.cases.filter((c) => c.leaf_index_0based !== undefined);
  assert.equal(cases.length, 5);
  for (const c of cases) {
    const proof = await inclusionProof(c.leaf_index_0based as number, c.tree_size, reference);
    assert.deepEqual(asHex(proof), c.audit_path_hex, `leaf ${c.leaf_index_0based} of ${c.tree_size}`);
  }
});

test('generated inclusion proofs equal the happy-path vectors', async () => {
  const happy = inclusion.cases.filter((c) => !c.wantErr && c.treeSize <= referenceLeaves.length);
  assert.ok(happy.length >= 5);
  for (const c of happy) {
    assert.deepEqual(
      asHex(await inclusionProof(c.leafIdx, c.treeSize, reference)),
      b64ToHex(c.proof),
      c.file,
    );
  }
});

test('generated consistency proofs equal the CT C++ reference proofs and the happy-path vectors', async () => {
  for (const c of consistency.ct_cpp_reference_proofs.cases) {
    assert.deepEqual(
      asHex(await consistencyProof(c.size1, c.size2, reference)),
      c.proof_hex,
      `${c.size1}→${c.size2}`,
    );
  }
  const happy = consistency.cases.filter((c) => !c.wantErr && c.size2 <= referenceLeaves.length);
  assert.ok(happy.length >= 5);
  for (const c of happy) {
    assert.deepEqual(asHex(await consistencyProof(c.size1, c.size2, reference)), b64ToHex(c.proof), c.file);
  }
});

test('treeRoot from the reader equals the reference roots for sizes 0..8', async () => {
  for (const { tree_size, root_hex } of roots.root_hashes_by_size) {
    assert.equal((await treeRoot(tree_size, reference)).toString('hex'), root_hex, `size ${tree_size}`);
  }
});

test('bad requests are refused with a reason', async () => {
  await rejectsWith(inclusionProof(8, 8, reference), 'index_out_of_range');
  await rejectsWith(inclusionProof(-1, 8, reference), 'invalid_size');
  await rejectsWith(inclusionProof(0, 2 ** 53, reference), 'invalid_size');
  await rejectsWith(consistencyProof(0, 5, reference), 'empty_old_tree');
  await rejectsWith(consistencyProof(5, 4, reference), 'size_order');
  await rejectsWith(inclusionProof(0, 9, reference), 'node_unavailable');
  await rejectsWith(treeRoot(9, reference), 'node_unavailable');
  const short: HashReader = { readNodes: (ids) => ids.slice(1).map(() => Buffer.alloc(32)) };
  await rejectsWith(inclusionProof(0, 8, short), 'reader_mismatch');
  const truncated: HashReader = { readNodes: (ids) => ids.map(() => Buffer.alloc(31)) };
  await rejectsWith(consistencyProof(3, 8, truncated), 'reader_mismatch');
});

test('an async reader is asked once per proof, for O(log n) complete nodes', async () => {
  const size = 1_000_003;
  const calls: NodeId[][] = [];
  // Any complete node's hash is a function of its id here; only the shape of the reads is under test.
  const reader: HashReader = {
    readNodes: async (ids) => {
      calls.push([...ids]);
      return ids.map(({ level, index }) => nodeHash(Buffer.from([level]), Buffer.from(String(index))));
    },
  };
  await inclusionProof(777_777, size, reader);
  await consistencyProof(123_457, size, reader);
  await treeRoot(size, reader);
  assert.equal(calls.length, 3);
  for (const ids of calls) {
    assert.ok(ids.length <= 2 * Math.ceil(Math.log2(size)) + 2, `${ids.length} reads`);
    for (const { level, index } of ids)
      assert.ok((index + 1) * 2 ** level <= size, 'only complete nodes are read');
  }
});

/** RFC 9162 §2.1.3.1 PATH, straight from the recursive definition, over leaf hashes. */
function referencePath(m: number, leaves: Buffer[]): Buffer[] {
  const n = leaves.length;
  if (n === 1) return [];
  const k = 2 ** Math.floor(Math.log2(n - 1));
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), rootOfLeafHashes(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), rootOfLeafHashes(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 SUBPROOF, straight from the recursive definition, over leaf hashes. */
function referenceSubproof(m: number, leaves: Buffer[], whole: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return whole ? [] : [rootOfLeafHashes(leaves)];
  const k = 2 ** Math.floor(Math.log2(n - 1));
  return m <= k
    ? [...referenceSubproof(m, leaves.slice(0, k), whole), rootOfLeafHashes(leaves.slice(k))]
    : [...referenceSubproof(m - k, leaves.slice(k), false), rootOfLeafHashes(leaves.slice(0, k))];
}

/** Seeded bytes (the demo's mulberry32 generator), so a failing tree can be rebuilt from the seed. */
function seededBytes(seed: number): (length: number) => Buffer {
  const random = seededRandom(seed);
  return (length) => Buffer.from(Array.from({ length }, () => random.int(0, 255)));
}

function flipped(hash: Buffer, at: number): Buffer {
  const copy = Buffer.from(hash);
  copy[at % copy.length] = (copy[at % copy.length] as number) ^ 0x01;
  return copy;
}

test('randomized trees of 1..70 leaves: every proof matches the RFC definition, verifies, and breaks when touched', async () => {
  const seed = Date.now() >>> 0;
  const random = seededBytes(seed);
  const entries = Array.from({ length: 70 }, () => random(1 + ((random(1)[0] as number) % 40)));
  const leaves = entries.map(leafHash);
  const reader = createMemoryHashReader(leaves);
  const rootOf = leaves.map((_, i) => rootOfLeafHashes(leaves.slice(0, i + 1)));
  let checked = 0;
  for (let n = 1; n <= 70; n++) {
    const root = rootOf[n - 1] as Buffer;
    assert.deepEqual(await treeRoot(n, reader), root, `seed ${seed}: root of ${n}`);
    for (let m = 0; m < n; m++) {
      const where = `seed ${seed}: leaf ${m} of ${n}`;
      const leaf = leaves[m] as Buffer;
      const proof = await inclusionProof(m, n, reader);
      assert.deepEqual(proof, referencePath(m, leaves.slice(0, n)), where);
      assert.ok(verifyInclusion(m, n, leaf, proof, root), where);
      assert.equal(verifyInclusion(m, n, flipped(leaf, m), proof, root), false, where);
      assert.equal(verifyInclusion(m, n, leaf, proof, flipped(root, n)), false, where);
      proof.forEach((_, i) => {
        const touched = proof.map((p, j) => (j === i ? flipped(p, m + i) : p));
        assert.equal(verifyInclusion(m, n, leaf, touched, root), false, `${where}, proof[${i}] flipped`);
      });
      if (m + 1 < n) assert.equal(verifyInclusion(m + 1, n, leaf, proof, root), false, `${where}, index + 1`);
      checked++;
    }
    for (let m = 1; m <= n; m++) {
      const where = `seed ${seed}: consistency ${m} → ${n}`;
      const oldRoot = rootOf[m - 1] as Buffer;
      const proof = await consistencyProof(m, n, reader);
      assert.deepEqual(proof, referenceSubproof(m, leaves.slice(0, n), true), where);
      assert.ok(verifyConsistency(m, n, proof, oldRoot, root), where);
      assert.equal(
        verifyConsistency(m, n, proof, flipped(oldRoot, m), root),
        false,
        `${where}, old root flipped`,
      );
      assert.equal(
        verifyConsistency(m, n, proof, oldRoot, flipped(root, n)),
        false,
        `${where}, new root flipped`,
      );
      proof.forEach((_, i) => {
        const touched = proof.map((p, j) => (j === i ? flipped(p, m + i) : p));
        assert.equal(verifyConsistency(m, n, touched, oldRoot, root), false, `${where}, proof[${i}] flipped`);
      });
      if (m < n) {
        assert.equal(
          verifyConsistency(m, n, proof.slice(0, -1), oldRoot, root),
          false,
          `${where}, truncated`,
        );
        assert.equal(verifyConsistency(m, n, [...proof, root], oldRoot, root), false, `${where}, extended`);
      }
      checked++;
    }
  }
  assert.equal(checked, 2 * ((70 * 71) / 2));
});
