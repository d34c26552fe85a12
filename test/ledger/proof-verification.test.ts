import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LedgerProofError } from '../../src/ledger/ledger-errors.ts';
import { emptyRoot, leafHash } from '../../src/ledger/merkle-hash.ts';
import {
  assertConsistency,
  assertInclusion,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/proof-verification.ts';

interface InclusionCase {
  file: string;
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyCase {
  file: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}

function loadText(file: string): string {
  return readFileSync(new URL(`../../../shared/vectors/${file}`, import.meta.url), 'utf8');
}

const inclusionText = loadText('inclusion_proofs.json');
const inclusion = JSON.parse(inclusionText) as {
  case_count: number;
  cases: InclusionCase[];
  ct_cpp_reference_paths: {
    cases: {
      tree_size: number;
      leaf_index_0based?: number;
      leaf_input_hex?: string;
      root_hex?: string;
      audit_path_hex: string[];
    }[];
  };
};
const consistency = JSON.parse(loadText('consistency_proofs.json')) as {
  case_count: number;
  cases: ConsistencyCase[];
  ct_cpp_reference_proofs: {
    cases: { size1: number; size2: number; root1_hex: string; root2_hex: string; proof_hex: string[] }[];
  };
};

const b64 = (s: string) => Buffer.from(s, 'base64');
const hex = (s: string) => Buffer.from(s, 'hex');

test('inclusion vectors: all 6 valid cases verify, all 92 invalid ones are refused', () => {
  assert.equal(inclusion.cases.length, inclusion.case_count);
  let valid = 0;
  let invalid = 0;
  for (const c of inclusion.cases) {
    const ok = verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root));
    assert.equal(ok, !c.wantErr, c.file);
    if (c.wantErr) invalid++;
    else valid++;
  }
  assert.deepEqual({ valid, invalid }, { valid: 6, invalid: 92 });
});

test('consistency vectors: all 6 valid cases verify, all 92 invalid ones are refused', () => {
  assert.equal(consistency.cases.length, consistency.case_count);
  let valid = 0;
  let invalid = 0;
  for (const c of consistency.cases) {
    const ok = verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2));
    assert.equal(ok, !c.wantErr, c.file);
    if (c.wantErr) invalid++;
    else valid++;
  }
  assert.deepEqual({ valid, invalid }, { valid: 6, invalid: 92 });
});

test('a wrong old root is refused at a non-power-of-two old size (the proof does not start with it)', () => {
  // When size1 is not a power of two, the old root is rebuilt from the proof and only compared at the end:
  // none of the 92 invalid vectors changes root1 at such a size, so this case is made here from the valid
  // ones (6 → 8, 6 → 7 and the CT reference 6 → 8), each byte of root1 changed in turn.
  const cases = [
    ...consistency.cases
      .filter((c) => !c.wantErr)
      .map((c) => ({ ...c, root1: b64(c.root1), root2: b64(c.root2), proof: (c.proof ?? []).map(b64) })),
    ...consistency.ct_cpp_reference_proofs.cases.map((c) => ({
      file: `ct ${c.size1} → ${c.size2}`,
      size1: c.size1,
      size2: c.size2,
      root1: hex(c.root1_hex),
      root2: hex(c.root2_hex),
      proof: c.proof_hex.map(hex),
    })),
  ].filter((c) => c.size1 < c.size2 && (c.size1 & (c.size1 - 1)) !== 0);
  assert.ok(cases.length >= 3, `${cases.length} cases`);
  for (const c of cases) {
    assert.ok(verifyConsistency(c.size1, c.size2, c.proof, c.root1, c.root2), c.file);
    for (let i = 0; i < c.root1.length; i++) {
      const wrong = Buffer.from(c.root1);
      wrong[i] = (wrong[i] as number) ^ 0x80;
      assert.equal(
        verifyConsistency(c.size1, c.size2, c.proof, wrong, c.root2),
        false,
        `${c.file} byte ${i}`,
      );
      assert.throws(
        () => assertConsistency(c.size1, c.size2, c.proof, wrong, c.root2),
        (e: unknown) => e instanceof LedgerProofError && e.reason === 'root_mismatch',
      );
    }
  }
});

test('CT C++ reference audit paths verify (the size-0 entry is refused)', () => {
  for (const c of inclusion.ct_cpp_reference_paths.cases) {
    const proof = c.audit_path_hex.map(hex);
    if (c.leaf_index_0based === undefined) {
      assert.equal(verifyInclusion(0, c.tree_size, leafHash(Buffer.alloc(0)), proof, emptyRoot()), false);
      continue;
    }
    const leaf = leafHash(hex(c.leaf_input_hex ?? ''));
    assert.ok(verifyInclusion(c.leaf_index_0based, c.tree_size, leaf, proof, hex(c.root_hex ?? '')));
  }
});

test('CT C++ reference consistency proofs verify', () => {
  assert.equal(consistency.ct_cpp_reference_proofs.cases.length, 4);
  for (const c of consistency.ct_cpp_reference_proofs.cases) {
    assert.ok(verifyConsistency(c.size1, c.size2, c.proof_hex.map(hex), hex(c.root1_hex), hex(c.root2_hex)));
  }
});

test('a leaf index of 2^64 - 1 (beyond a safe integer once parsed) is refused as an invalid size', () => {
  assert.ok(inclusionText.includes('"leafIdx": 18446744073709551615'));
  const c = inclusion.cases.find(
    (x) => x.file === 'testdata/inclusion/1/leafIdx-sub-@1.json',
  ) as InclusionCase;
  assert.equal(Number.isSafeInteger(c.leafIdx), false);
  assert.throws(
    () => assertInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)),
    (e: unknown) => e instanceof LedgerProofError && e.reason === 'invalid_size',
  );
});

test('size1 = 0 is always refused, even with an empty proof and the empty-tree root', () => {
  const root = emptyRoot();
  const leaf = leafHash(Buffer.from('x'));
  assert.equal(verifyConsistency(0, 0, [], root, root), false);
  assert.equal(verifyConsistency(0, 1, [], root, leaf), false);
  assert.throws(
    () => assertConsistency(0, 1, [], root, leaf),
    (e: unknown) => e instanceof LedgerProofError && e.reason === 'empty_old_tree',
  );
});

test('refusals name their reason', () => {
  const h = leafHash(Buffer.from('x'));
  const reasonOf = (fn: () => void) => {
    try {
      fn();
      return 'accepted';
    } catch (e) {
      assert.ok(e instanceof LedgerProofError);
      return e.reason;
    }
  };
  assert.equal(
    reasonOf(() => assertInclusion(0, 1, h, [], h)),
    'accepted',
  );
  assert.equal(
    reasonOf(() => assertInclusion(1, 1, h, [], h)),
    'index_out_of_range',
  );
  assert.equal(
    reasonOf(() => assertInclusion(-1, 1, h, [], h)),
    'invalid_size',
  );
  assert.equal(
    reasonOf(() => assertInclusion(0.5, 1, h, [], h)),
    'invalid_size',
  );
  assert.equal(
    reasonOf(() => assertInclusion(0, 1, h.subarray(1), [], h)),
    'bad_hash_length',
  );
  assert.equal(
    reasonOf(() => assertInclusion(0, 1, h, [h], h)),
    'wrong_proof_length',
  );
  assert.equal(
    reasonOf(() => assertInclusion(0, 2, h, [], h)),
    'wrong_proof_length',
  );
  assert.equal(
    reasonOf(() => assertInclusion(0, 2, h, [h], h)),
    'root_mismatch',
  );
  assert.equal(
    reasonOf(() => assertConsistency(2, 1, [], h, h)),
    'size_order',
  );
  assert.equal(
    reasonOf(() => assertConsistency(1, 1, [h], h, h)),
    'wrong_proof_length',
  );
  assert.equal(
    reasonOf(() => assertConsistency(1, 2, [], h, h)),
    'wrong_proof_length',
  );
  assert.equal(
    reasonOf(() => assertConsistency(1, 2, [h], h, Buffer.alloc(31))),
    'bad_hash_length',
  );
  assert.equal(
    reasonOf(() => assertConsistency(1, Number.MAX_SAFE_INTEGER + 1, [h], h, h)),
    'invalid_size',
  );
});
