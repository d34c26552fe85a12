import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  ED25519_SIGNATURE_TYPE,
  formatVerifierKey,
  generateNoteKeys,
  isValidKeyName,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note-keys.ts';

interface NoteCase {
  id: string;
  signer_key?: string;
  verifier_keys?: string[];
  invalid_verifier_keys?: { vkey: string; why: string }[];
  expected: { key_ids?: Record<string, string>; key_id?: string };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/vectors/signed_note.json', import.meta.url), 'utf8'),
) as { cases: NoteCase[] };
const byId = (id: string) => vectors.cases.find((c) => c.id === id) as NoteCase;
const peter = byId('x-mod-note-peterneumann');
const peterVkey = peter.verifier_keys?.[0] as string;

test('verifier keys from the vectors parse, with the expected key IDs', () => {
  const keyIds = peter.expected.key_ids as Record<string, string>;
  for (const vkey of peter.verifier_keys ?? []) {
    const verifier = parseVerifierKey(vkey);
    assert.ok(verifier, vkey);
    assert.equal(verifier.keyId.toString('hex'), keyIds[verifier.name]);
  }
  const example = byId('c2sp-signed-note-example');
  assert.equal(
    parseVerifierKey(example.verifier_keys?.[0] as string)?.keyId.toString('hex'),
    example.expected.key_id,
  );
  for (const vkey of byId('sumdb-real-checkpoint-6476701').verifier_keys ?? []) {
    assert.ok(parseVerifierKey(vkey), vkey);
  }
});

test('the key ID is SHA-256(name || 0x0A || 0x01 || public key)[:4]', () => {
  const typedKey = Buffer.from(peterVkey.split('+')[2] as string, 'base64');
  assert.equal(
    noteKeyId('PeterNeumann', ED25519_SIGNATURE_TYPE, typedKey.subarray(1)).toString('hex'),
    'c74f20a3',
  );
  assert.equal(formatVerifierKey('PeterNeumann', typedKey.subarray(1)), peterVkey);
});

test('the bad verifier keys of the vectors are refused', () => {
  const bad = byId('x-mod-note-bad-vkeys').invalid_verifier_keys ?? [];
  assert.equal(bad.length, 2);
  for (const { vkey, why } of bad) assert.equal(parseVerifierKey(vkey), null, why);
});

test('every proper substring of a verifier key is refused', () => {
  let tried = 0;
  for (let start = 0; start < peterVkey.length; start++) {
    for (let end = start; end <= peterVkey.length; end++) {
      if (start === 0 && end === peterVkey.length) continue;
      assert.equal(parseVerifierKey(peterVkey.slice(start, end)), null, peterVkey.slice(start, end));
      tried++;
    }
  }
  assert.ok(tried > 2000);
});

test('every single-byte +1 mutation of a verifier key or signer key is refused', () => {
  const signerKey = peter.signer_key as string;
  for (const key of [peterVkey, signerKey]) {
    const parse = key === peterVkey ? parseVerifierKey : parseSignerKey;
    assert.ok(parse(key));
    for (let i = 0; i < key.length; i++) {
      const mutated = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
      assert.equal(parse(mutated), null, `byte ${i}`);
    }
  }
});

test('the signer key parses to the same key as its verifier key', () => {
  const signer = parseSignerKey(peter.signer_key as string);
  const verifier = parseVerifierKey(peterVkey);
  assert.ok(signer && verifier);
  assert.equal(signer.name, 'PeterNeumann');
  assert.deepEqual(signer.keyId, verifier.keyId);
  const message = Buffer.from('a message\n');
  assert.ok(verifier.verify(message, signer.sign(message)));
  assert.equal(verifier.verify(Buffer.from('another\n'), signer.sign(message)), false);
  assert.equal(verifier.verify(message, signer.sign(message).subarray(1)), false);
});

test('generated keys round-trip through their strings', () => {
  const { signerKey, verifierKey } = generateNoteKeys('custos.example/ledger');
  assert.match(signerKey, /^PRIVATE\+KEY\+custos\.example\/ledger\+[0-9a-f]{8}\+/);
  const signer = parseSignerKey(signerKey);
  const verifier = parseVerifierKey(verifierKey);
  assert.ok(signer && verifier);
  assert.deepEqual(signer.keyId, verifier.keyId);
  const message = Buffer.from('custos\n');
  assert.ok(verifier.verify(message, signer.sign(message)));
  assert.equal(parseVerifierKey(signerKey), null, 'a signer key is not a verifier key');
  assert.equal(parseSignerKey(verifierKey), null, 'a verifier key is not a signer key');
});

test('key names: non-empty, no spaces, no plus, no control characters', () => {
  assert.ok(isValidKeyName('sum.golang.org'));
  assert.ok(isValidKeyName('例え.example/ログ'));
  for (const bad of ['', 'Bad Name', 'a+b', 'tab\there', 'nbsp\u00a0x', 'line\nbreak', 'bell\u0007']) {
    assert.equal(isValidKeyName(bad), false, JSON.stringify(bad));
  }
  assert.throws(() => generateNoteKeys('two words'));
});
