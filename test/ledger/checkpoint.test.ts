import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/ledger/checkpoint.ts';
import { leafHash } from '../../src/ledger/merkle-hash.ts';
import {
  generateNoteKeys,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note-keys.ts';
import { parseNote } from '../../src/ledger/signed-note.ts';

function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../../shared/vectors/${file}`, import.meta.url), 'utf8')) as T;
}

interface NoteCase {
  id: string;
  verifier_keys?: string[];
  signed_note?: string;
  note_text?: string;
  checkpoint_example?: string;
  cosigned_checkpoint_example?: string;
  parsed?: {
    origin: string;
    tree_size: number;
    root_hash_b64: string;
    log_sig_key_id_hex: string;
    witness_sig_key_id_hex: string;
    witness_sig_timestamp: number;
    witness_sig_len_bytes: number;
  };
  ed25519_cosignature_signed_message_example?: string;
  vectors?: { origin: string; size: number; hash_ascii: string; want_body: string }[];
  expected: { origin?: string; tree_size?: number; root_hash_b64?: string };
}
const notes = loadVectors<{ cases: NoteCase[] }>('signed_note.json');
const byId = (id: string) => notes.cases.find((c) => c.id === id) as NoteCase;
const root = leafHash(Buffer.from('root'));

test('the real sum.golang.org checkpoints open and parse to their tree heads', () => {
  const cases = notes.cases.filter((c) => c.id.startsWith('sumdb-real-checkpoint-'));
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const verifiers = (c.verifier_keys ?? []).map((k) => parseVerifierKey(k) as NoteVerifier);
    const opened = openCheckpoint(c.signed_note as string, verifiers, 'go.sum database tree');
    assert.ok(opened.ok, c.id);
    assert.equal(opened.checkpoint.origin, c.expected.origin);
    assert.equal(opened.checkpoint.size, c.expected.tree_size);
    assert.equal(opened.checkpoint.rootHash.toString('base64'), c.expected.root_hash_b64);
    assert.deepEqual(opened.checkpoint.extensions, []);
    assert.equal(formatCheckpoint(opened.checkpoint), c.note_text);
    assert.deepEqual(openCheckpoint(c.signed_note as string, verifiers, 'sum.golang.org'), {
      ok: false,
      reason: 'wrong_origin',
    });
  }
});

test('the C2SP checkpoint and cosignature examples parse (their keys are not published)', () => {
  const c = byId('c2sp-checkpoint-and-cosignature-format-examples');
  const parsed = c.parsed as NonNullable<NoteCase['parsed']>;
  for (const example of [c.checkpoint_example, c.cosigned_checkpoint_example] as string[]) {
    const note = parseNote(example);
    assert.ok(note);
    const checkpoint = parseCheckpoint(note.text);
    assert.ok(checkpoint);
    assert.equal(checkpoint.origin, parsed.origin);
    assert.equal(checkpoint.size, parsed.tree_size);
    assert.equal(checkpoint.rootHash.toString('base64'), parsed.root_hash_b64);
    assert.equal(note.signatures[0]?.keyId.toString('hex'), parsed.log_sig_key_id_hex);
  }
  const [, witness] = parseNote(c.cosigned_checkpoint_example as string)?.signatures ?? [];
  assert.ok(witness);
  assert.equal(witness.keyId.toString('hex'), parsed.witness_sig_key_id_hex);
  assert.equal(witness.keyId.length + witness.signature.length, parsed.witness_sig_len_bytes);
  assert.equal(Number(witness.signature.readBigUInt64BE(0)), parsed.witness_sig_timestamp);
  // What a tlog-cosignature/v1 witness signs: a header with its timestamp, then the checkpoint body.
  assert.equal(
    c.ed25519_cosignature_signed_message_example,
    `cosignature/v1\ntime ${parsed.witness_sig_timestamp}\n${parseNote(c.checkpoint_example as string)?.text}`,
  );
});

test('checkpoint bodies are formatted exactly as transparency-dev/formats does', () => {
  const marshal = byId('formats-checkpoint-marshal').vectors ?? [];
  assert.equal(marshal.length, 2);
  for (const v of marshal) {
    const rootHash = Buffer.from(v.hash_ascii, 'ascii');
    assert.equal(formatCheckpoint({ origin: v.origin, size: v.size, rootHash, extensions: [] }), v.want_body);
    // Their fake roots are not 32 bytes, so Custos will neither parse nor sign them.
    assert.equal(parseCheckpoint(v.want_body), null);
    const signer = parseSignerKey(generateNoteKeys('custos.example/log').signerKey);
    assert.ok(signer);
    assert.throws(() =>
      signCheckpoint({ origin: v.origin, size: v.size, rootHash, extensions: [] }, [signer]),
    );
  }
});

test('the checkpoint inside the C2SP tlog-witness request example parses', () => {
  const tiles = loadVectors<{ witness_add_checkpoint_example_request_body: string }>('tlog_tiles.json');
  const body = tiles.witness_add_checkpoint_example_request_body;
  const note = parseNote(body.slice(body.indexOf('\n\n') + 2));
  assert.ok(note);
  assert.equal(parseCheckpoint(note.text)?.size, 20852163);
  assert.deepEqual(
    note.signatures.map((s) => `${s.name}+${s.keyId.toString('hex')}`),
    ['example.com/behind-the-sofa+033de0ae', 'example.com/behind-the-sofa+a292ea05'],
  );
});

test('parsing is strict: one spelling per tree head', () => {
  const b64 = root.toString('base64');
  assert.ok(parseCheckpoint(`log\n0\n${b64}\n`));
  assert.deepEqual(parseCheckpoint(`log\n5\n${b64}\next one\next two\n`)?.extensions, ['ext one', 'ext two']);
  // Same 32 bytes, but one of the two unused bits of the last character set.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const nonCanonical = `${b64.slice(0, -2)}${alphabet[alphabet.indexOf(b64.at(-2) as string) ^ 1]}=`;
  assert.deepEqual(Buffer.from(nonCanonical, 'base64'), root);
  const bad = [
    `log\n5\n${b64}`,
    `log\n5\n`,
    `\n5\n${b64}\n`,
    `log\n05\n${b64}\n`,
    `log\n+5\n${b64}\n`,
    `log\n5.0\n${b64}\n`,
    `log\n1e3\n${b64}\n`,
    `log\n 5\n${b64}\n`,
    `log\n-1\n${b64}\n`,
    `log\n${2 ** 53}\n${b64}\n`,
    `log\n5\n${b64.slice(0, -1)}\n`,
    `log\n5\n${nonCanonical}\n`,
    `log\n5\n${root.subarray(1).toString('base64')}\n`,
    `log\n5\n${b64}\n\next\n`,
    `log\n5\n${b64}\n\n`,
    `log\r\n5\n${b64}\n`,
    `log\n5\n${b64}\next\tension\n`,
  ];
  for (const text of bad) assert.equal(parseCheckpoint(text), null, JSON.stringify(text));
});

test('a signed checkpoint round-trips through signCheckpoint and openCheckpoint', () => {
  const keys = generateNoteKeys('custos.example/ledger');
  const signer = parseSignerKey(keys.signerKey);
  const verifier = parseVerifierKey(keys.verifierKey);
  assert.ok(signer && verifier);
  const checkpoint = {
    origin: 'custos.example/ledger',
    size: 1234,
    rootHash: root,
    extensions: ['note: test'],
  };
  const signed = signCheckpoint(checkpoint, [signer]);
  const opened = openCheckpoint(signed, [verifier], 'custos.example/ledger');
  assert.ok(opened.ok);
  assert.deepEqual(opened.checkpoint, checkpoint);
  const otherKey = parseVerifierKey(generateNoteKeys('custos.example/ledger').verifierKey) as NoteVerifier;
  assert.deepEqual(openCheckpoint(signed, [otherKey], 'custos.example/ledger'), {
    ok: false,
    reason: 'no_trusted_signature',
  });
  const forged = signed.replace('\n1234\n', '\n1235\n');
  assert.deepEqual(openCheckpoint(forged, [verifier], 'custos.example/ledger'), {
    ok: false,
    reason: 'invalid_signature',
  });
  const notCheckpoint = signCheckpoint(checkpoint, [signer]).replace('1234', '01234');
  assert.equal(openCheckpoint(notCheckpoint, [verifier], 'custos.example/ledger').ok, false);
});

test('formatCheckpoint refuses values that cannot be written as a checkpoint', () => {
  const good = { origin: 'log', size: 1, rootHash: root, extensions: [] };
  assert.throws(() => formatCheckpoint({ ...good, origin: '' }));
  assert.throws(() => formatCheckpoint({ ...good, origin: 'two\nlines' }));
  assert.throws(() => formatCheckpoint({ ...good, size: -1 }));
  assert.throws(() => formatCheckpoint({ ...good, size: 1.5 }));
  assert.throws(() => formatCheckpoint({ ...good, rootHash: Buffer.alloc(0) }));
  assert.throws(() => formatCheckpoint({ ...good, extensions: [''] }));
});
