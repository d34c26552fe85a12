import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcmDecrypt, gcmEncrypt, open, seal } from '../../src/crypto/aead.ts';
import { loadVectors } from '../support/vectors.ts';

interface GcmCase {
  tcId: number;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid';
}

const vectors = loadVectors<{ tests: GcmCase[] }>('aes_gcm.json');
const hex = (s: string) => Buffer.from(s, 'hex');

test('Wycheproof AES-256-GCM: every valid case encrypts to its ciphertext and opens', () => {
  const valid = vectors.tests.filter((t) => t.result === 'valid');
  assert.ok(valid.length >= 39);
  for (const t of valid) {
    const { ciphertext, tag } = gcmEncrypt(hex(t.key), hex(t.iv), hex(t.msg), hex(t.aad));
    assert.equal(ciphertext.toString('hex'), t.ct, `tcId ${t.tcId} ciphertext`);
    assert.equal(tag.toString('hex'), t.tag, `tcId ${t.tcId} tag`);
    const plain = gcmDecrypt(hex(t.key), hex(t.iv), hex(t.ct), hex(t.tag), hex(t.aad));
    assert.equal(plain?.toString('hex'), t.msg, `tcId ${t.tcId} decrypts`);
    const sealed = Buffer.concat([hex(t.iv), hex(t.ct), hex(t.tag)]);
    assert.equal(open(hex(t.key), sealed, hex(t.aad))?.toString('hex'), t.msg, `tcId ${t.tcId} opens`);
  }
});

test('Wycheproof AES-256-GCM: every invalid case is rejected', () => {
  const invalid = vectors.tests.filter((t) => t.result === 'invalid');
  assert.ok(invalid.length >= 27);
  for (const t of invalid) {
    assert.equal(
      gcmDecrypt(hex(t.key), hex(t.iv), hex(t.ct), hex(t.tag), hex(t.aad)),
      null,
      `tcId ${t.tcId}`,
    );
    const sealed = Buffer.concat([hex(t.iv), hex(t.ct), hex(t.tag)]);
    assert.equal(open(hex(t.key), sealed, hex(t.aad)), null, `tcId ${t.tcId} via open`);
  }
});

test('seal uses a fresh IV each time and authenticates its header', () => {
  const key = Buffer.alloc(32, 7);
  const header = Buffer.from([1, 0, 0, 0, 1]);
  const a = seal(key, Buffer.from('same'), Buffer.from('aad'), header);
  const b = seal(key, Buffer.from('same'), Buffer.from('aad'), header);
  assert.notDeepEqual(a, b);
  assert.equal(open(key, a, Buffer.from('aad'), 5)?.toString(), 'same');
  const tampered = Buffer.from(a);
  tampered[4] = 2;
  assert.equal(open(key, tampered, Buffer.from('aad'), 5), null);
  assert.equal(open(key, a, Buffer.from('other'), 5), null);
  assert.equal(open(key, a.subarray(0, 20), Buffer.from('aad'), 5), null);
});

test('malformed keys, IVs, tags and short values are refused with null, never an exception', () => {
  const key = Buffer.alloc(32, 7);
  const aad = Buffer.from('aad');
  const iv = Buffer.alloc(12, 1);
  const { ciphertext, tag } = gcmEncrypt(key, iv, Buffer.from('secret'), aad);
  assert.equal(gcmDecrypt(key, iv, ciphertext, tag, aad)?.toString(), 'secret');
  assert.equal(gcmDecrypt(key.subarray(0, 31), iv, ciphertext, tag, aad), null, 'short key');
  assert.equal(gcmDecrypt(Buffer.alloc(33, 7), iv, ciphertext, tag, aad), null, 'long key');
  assert.equal(gcmDecrypt(key, iv, ciphertext, tag.subarray(0, 12), aad), null, 'truncated tag');
  assert.equal(gcmDecrypt(key, iv, ciphertext, Buffer.concat([tag, Buffer.alloc(1)]), aad), null, 'long tag');
  // GCM itself accepts other IV lengths: a value sealed under an 8-byte IV must still not open.
  const shortIv = Buffer.alloc(8, 1);
  const odd = gcmEncrypt(key, shortIv, Buffer.from('secret'), aad);
  assert.equal(gcmDecrypt(key, shortIv, odd.ciphertext, odd.tag, aad), null, '8-byte IV');
  for (const length of [0, 1, 27]) {
    assert.equal(open(key, Buffer.alloc(length), aad), null, `${length} bytes`);
    assert.equal(open(key, Buffer.alloc(length + 5), aad, 5), null, `${length} bytes after a header`);
  }
});
