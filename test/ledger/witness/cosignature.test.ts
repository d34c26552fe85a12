import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { manualClock } from '../../../src/platform/clock.ts';
import {
  ed25519Signer,
  ed25519Verifier,
  generateNoteKeys,
  noteKeyId,
  parseVerifierKey,
} from '../../../src/ledger/note-keys.ts';
import { formatNote, openNote, parseNote, signNote } from '../../../src/ledger/signed-note.ts';
import {
  addCosignatures,
  COSIGNATURE_V1_TYPE,
  cosignatureKeyId,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignedMessage,
  type Cosigner,
  cosignerFromSignerKey,
  formatCosignerKey,
  openCosignatures,
  parseCosignerKey,
} from '../../../src/ledger/witness/cosignature.ts';
import { createMemoryLog, entries } from './memory-log.ts';

interface CosignatureCase {
  id: string;
  cosigned_checkpoint_example: string;
  checkpoint_example: string;
  ed25519_cosignature_signed_message_example: string;
  parsed: {
    origin: string;
    witness_sig_key_id_hex: string;
    witness_sig_timestamp: number;
    witness_sig_len_bytes: number;
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/signed_note.json', import.meta.url), 'utf8'),
) as { cases: { id: string }[] };
const example = vectors.cases.find(
  (c) => c.id === 'c2sp-checkpoint-and-cosignature-format-examples',
) as CosignatureCase;

const clock = manualClock(Date.UTC(2026, 10, 23, 12, 0, 0, 750));
const seconds = Math.floor(clock.now() / 1000);

/**
 * A cosigner with a fixed key: the seed is the SHA-256 of its name and `variant`, so every run uses the same
 * key IDs (a random key ID without an a–f digit is unchanged by upper-casing, and made the upper-case test
 * pass vacuously in about 2.5% of runs).
 */
function newCosigner(name = 'witness.custos.test/w1', variant = 0): Cosigner {
  const seed = createHash('sha256').update(`${name}\0${variant}`).digest();
  const keyId = ed25519Signer(name, seed).keyId.toString('hex');
  const signerKey = `PRIVATE+KEY+${name}+${keyId}+${Buffer.concat([Buffer.from([1]), seed]).toString('base64')}`;
  return cosignerFromSignerKey(signerKey, clock) as Cosigner;
}

test('the signed message is byte for byte the tlog-cosignature example', () => {
  const body = example.checkpoint_example.slice(0, example.checkpoint_example.indexOf('\n\n') + 1);
  const message = cosignedMessage(example.parsed.witness_sig_timestamp, body);
  assert.equal(message.toString('utf8'), example.ed25519_cosignature_signed_message_example);
  assert.deepEqual(cosignedMessage(BigInt(example.parsed.witness_sig_timestamp), body), message);
});

test('the spec example cosignature line has the cosignature/v1 layout: key ID, timestamp, signature', () => {
  const note = parseNote(example.cosigned_checkpoint_example);
  assert.ok(note);
  const witness = note.signatures.find((s) => s.name === 'witness.example.com/w1');
  assert.ok(witness);
  assert.equal(witness.keyId.toString('hex'), example.parsed.witness_sig_key_id_hex);
  assert.equal(4 + witness.signature.length, example.parsed.witness_sig_len_bytes);
  assert.equal(cosignatureTimestamp(witness.signature), BigInt(example.parsed.witness_sig_timestamp));
});

test('a cosignature verifies under the cosigner vkey and carries the clock time in seconds', () => {
  const cosigner = newCosigner();
  const log = createMemoryLog('custos.test/ledger').append(...entries(0, 3));
  const text = (parseNote(log.checkpoint())?.text ?? '') as string;
  const [signature] = signNote(text, [cosigner]).signatures;
  assert.ok(signature);
  assert.equal(signature.signature.length, 72);
  assert.equal(cosignatureTimestamp(signature.signature), BigInt(seconds));
  const verifier = parseCosignerKey(cosigner.vkey);
  assert.ok(verifier);
  assert.ok(verifier.verify(Buffer.from(text), signature.signature));
  assert.ok(
    cosignatureVerifier(cosigner.name, cosigner.publicKey).verify(Buffer.from(text), signature.signature),
  );
  // The signature is over the cosigned message, not the bare text: a plain Ed25519 check of the text fails.
  const plain = ed25519Verifier(cosigner.name, cosigner.publicKey);
  assert.equal(plain.verify(Buffer.from(text), signature.signature.subarray(8)), false);
});

test('key IDs use type 0x04, so they differ from the same key as an ordinary note key', () => {
  const cosigner = newCosigner();
  assert.deepEqual(cosigner.keyId, noteKeyId(cosigner.name, COSIGNATURE_V1_TYPE, cosigner.publicKey));
  assert.deepEqual(cosigner.keyId, cosignatureKeyId(cosigner.name, cosigner.publicKey));
  assert.notDeepEqual(cosigner.keyId, noteKeyId(cosigner.name, 0x01, cosigner.publicKey));
  const typedKey = Buffer.from(cosigner.vkey.slice(cosigner.name.length + 10), 'base64');
  assert.equal(typedKey[0], COSIGNATURE_V1_TYPE);
  assert.deepEqual(typedKey.subarray(1), cosigner.publicKey);
  assert.equal(cosigner.vkey.split('+')[1], cosigner.keyId.toString('hex'));
});

test('cosigner vkeys parse strictly', () => {
  const cosigner = newCosigner();
  assert.equal(parseCosignerKey(cosigner.vkey)?.keyId.toString('hex'), cosigner.keyId.toString('hex'));
  assert.equal(formatCosignerKey(cosigner.name, cosigner.publicKey), cosigner.vkey);
  const { verifierKey } = generateNoteKeys('witness.custos.test/w1');
  assert.equal(parseCosignerKey(verifierKey), null, 'a type 0x01 note key is not a cosigner key');
  const name = cosigner.name;
  const id = cosigner.keyId.toString('hex');
  assert.match(id, /[a-f]/, 'the key ID has a letter, so upper-casing changes it');
  const key = cosigner.vkey.slice(name.length + 10);
  assert.equal(parseCosignerKey(`${name}+00000000+${key}`), null, 'wrong key ID');
  assert.equal(parseCosignerKey(`other+${id}+${key}`), null, 'key ID of another name');
  assert.equal(parseCosignerKey(`${name}+${id}+${key.slice(0, -4)}`), null, 'truncated key');
  assert.equal(parseCosignerKey(`${name}+${id.toUpperCase()}+${key}`), null, 'upper-case hex');
  assert.equal(parseCosignerKey(''), null);
});

test('a changed text, timestamp or signature does not verify', () => {
  const cosigner = newCosigner();
  const verifier = parseCosignerKey(cosigner.vkey);
  assert.ok(verifier);
  const text = 'custos.test/ledger\n3\n' + Buffer.alloc(32, 7).toString('base64') + '\n';
  const signature = cosigner.sign(Buffer.from(text));
  assert.ok(verifier.verify(Buffer.from(text), signature));
  assert.equal(verifier.verify(Buffer.from(text.replace('\n3\n', '\n4\n')), signature), false);
  const later = Buffer.from(signature);
  later.writeBigUInt64BE(BigInt(seconds + 1), 0);
  assert.equal(verifier.verify(Buffer.from(text), later), false, 'the timestamp is signed');
  const flipped = Buffer.from(signature);
  flipped[20] = (flipped[20] as number) ^ 1;
  assert.equal(verifier.verify(Buffer.from(text), flipped), false);
  assert.equal(verifier.verify(Buffer.from(text), signature.subarray(0, 71)), false);
  const huge = Buffer.from(signature);
  huge.writeBigUInt64BE(1n << 63n, 0);
  assert.equal(cosignatureTimestamp(huge), null, 'timestamps above 2^63 - 1 are refused');
  assert.equal(verifier.verify(Buffer.from(text), huge), false);
});

test('openCosignatures checks returned lines against the checkpoint; addCosignatures appends them once', () => {
  const cosigner = newCosigner();
  const other = newCosigner('witness.custos.test/w2');
  const log = createMemoryLog('custos.test/ledger').append(...entries(0, 4));
  const signed = log.checkpoint();
  const text = (parseNote(signed) as { text: string }).text;
  const lines = formatNote({ text, signatures: signNote(text, [cosigner, other]).signatures }).slice(
    text.length + 1,
  );
  const verifier = parseCosignerKey(cosigner.vkey);
  assert.ok(verifier);
  const opened = openCosignatures(text, lines, [verifier]);
  assert.ok(opened.ok);
  assert.equal(opened.cosignatures.length, 1, 'lines from unknown witnesses are dropped');
  assert.equal(opened.cosignatures[0]?.name, cosigner.name);
  const otherLog = createMemoryLog('custos.test/ledger').append(...entries(0, 5));
  const otherText = (parseNote(otherLog.checkpoint()) as { text: string }).text;
  assert.deepEqual(openCosignatures(otherText, lines, [verifier]), {
    ok: false,
    reason: 'invalid_signature',
  });
  assert.deepEqual(openCosignatures(text, 'not a signature\n', [verifier]), {
    ok: false,
    reason: 'malformed',
  });

  const cosigned = addCosignatures(signed, opened.cosignatures);
  assert.equal(addCosignatures(cosigned, opened.cosignatures), cosigned, 'no duplicate line');
  const logVerifier = parseVerifierKey(log.vkey);
  assert.ok(logVerifier);
  const both = openNote(cosigned, [logVerifier, verifier]);
  assert.ok(both.ok);
  assert.deepEqual(
    both.verified.map((s) => s.name),
    ['custos.test/ledger', cosigner.name],
  );
});

test('a malformed signer key gives no cosigner', () => {
  assert.equal(cosignerFromSignerKey('PRIVATE+KEY+w+00000000+AQ==', clock), null);
  assert.equal(cosignerFromSignerKey(generateNoteKeys('w').verifierKey, clock), null);
});
