import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  generateNoteKeys,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note-keys.ts';
import {
  formatNote,
  formatSignatureLine,
  MAX_NOTE_SIGNATURES,
  openNote,
  parseNote,
  signNote,
} from '../../src/ledger/signed-note.ts';

interface NoteCase {
  id: string;
  signer_key?: string;
  verifier_keys?: string[];
  note_text?: string;
  signed_note?: string;
  inputs?: { msg: string; expected: string }[];
  extra_signature_lines_over_same_text?: string[];
  expected: {
    valid?: boolean;
    verified_signers_with_both_keys?: string[];
    sign_with_signer_key_yields_exact_line?: string;
  };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/vectors/signed_note.json', import.meta.url), 'utf8'),
) as { cases: NoteCase[] };
const byId = (id: string) => vectors.cases.find((c) => c.id === id) as NoteCase;
const verifiersOf = (c: NoteCase): NoteVerifier[] =>
  (c.verifier_keys ?? []).map((k) => parseVerifierKey(k) as NoteVerifier);
const peter = byId('x-mod-note-peterneumann');
const validNotes = vectors.cases.filter((c) => c.signed_note !== undefined && c.expected.valid === true);

test('every valid signed note in the vectors opens, yielding its text', () => {
  assert.equal(validNotes.length, 4);
  for (const c of validNotes) {
    const opened = openNote(c.signed_note as string, verifiersOf(c));
    assert.ok(opened.ok, c.id);
    assert.equal(opened.text, c.note_text, c.id);
    assert.equal(opened.unknown.length, 0, c.id);
  }
  const both = openNote(peter.signed_note as string, verifiersOf(peter));
  assert.ok(both.ok);
  assert.deepEqual(
    both.verified.map((s) => s.name),
    peter.expected.verified_signers_with_both_keys,
  );
});

test('valid notes format back to the same bytes', () => {
  for (const c of validNotes) {
    const note = parseNote(c.signed_note as string);
    assert.ok(note, c.id);
    assert.equal(formatNote(note), c.signed_note, c.id);
  }
});

test('signing with the published signer key reproduces the signature line byte for byte', () => {
  const signer = parseSignerKey(peter.signer_key as string);
  assert.ok(signer);
  const [signature] = signNote(peter.note_text as string, [signer]).signatures;
  assert.ok(signature);
  assert.equal(formatSignatureLine(signature), peter.expected.sign_with_signer_key_yields_exact_line);
});

test('the malformed notes of the vectors are refused, each for its reason', () => {
  const inputs = byId('x-mod-note-malformed').inputs ?? [];
  assert.equal(inputs.length, 8);
  const verifiers = verifiersOf(byId('x-mod-note-malformed'));
  for (const { msg, expected } of inputs) {
    const opened = openNote(msg, verifiers);
    assert.equal(opened.ok, false, expected);
    if (expected.startsWith('invalid signature')) {
      assert.deepEqual(opened, { ok: false, reason: 'invalid_signature' }, expected);
      assert.ok(parseNote(msg), 'well-formed, only the signature is wrong');
    } else {
      assert.deepEqual(opened, { ok: false, reason: 'malformed' }, expected);
      assert.equal(parseNote(msg), null, expected);
    }
  }
});

test('bytes that are not UTF-8 are malformed (the \\xff case left out of the JSON)', () => {
  const signed = Buffer.from(peter.signed_note as string, 'utf8');
  assert.ok(openNote(signed, verifiersOf(peter)).ok, 'the same note as bytes opens');
  assert.deepEqual(openNote(Buffer.concat([Buffer.from([0xff]), signed]), verifiersOf(peter)), {
    ok: false,
    reason: 'malformed',
  });
});

test('signatures from unknown keys are kept but not trusted; no trusted signature means refusal', () => {
  const [peterKey] = verifiersOf(peter);
  const onlyPeter = openNote(peter.signed_note as string, [peterKey as NoteVerifier]);
  assert.ok(onlyPeter.ok);
  assert.deepEqual(
    onlyPeter.unknown.map((s) => s.name),
    ['EnochRoot'],
  );
  assert.deepEqual(openNote(peter.signed_note as string, []), { ok: false, reason: 'no_trusted_signature' });
  // Same name, other key: the signature is from an unknown key, so it is ignored rather than failed.
  const impostor = parseVerifierKey(generateNoteKeys('PeterNeumann').verifierKey) as NoteVerifier;
  assert.deepEqual(openNote(peter.signed_note as string, [impostor]), {
    ok: false,
    reason: 'no_trusted_signature',
  });
});

test('a failing signature from a known key refuses the whole note, even beside a good one', () => {
  const [peterKey, enochKey] = verifiersOf(peter) as [NoteVerifier, NoteVerifier];
  const lines = (peter.signed_note as string).split('\n');
  const enochLine = lines[lines.length - 2] as string;
  const broken = enochLine.slice(0, -6) + (enochLine.slice(-6, -5) === 'A' ? 'B' : 'A') + enochLine.slice(-5);
  const tampered = (peter.signed_note as string).replace(enochLine, broken);
  assert.ok(parseNote(tampered));
  assert.deepEqual(openNote(tampered, [peterKey, enochKey]), { ok: false, reason: 'invalid_signature' });
  assert.ok(openNote(tampered, [peterKey]).ok, 'without the Enoch key its signature is just unknown');
  const otherText = (peter.signed_note as string).replace('cryptography', 'encryption');
  assert.deepEqual(openNote(otherText, [peterKey]), { ok: false, reason: 'invalid_signature' });
});

test('the sum.golang.org checkpoint carries extra signatures that each verify over the same text', () => {
  const c = byId('sumdb-real-checkpoint-6476701');
  const extra = c.extra_signature_lines_over_same_text ?? [];
  const withAll = `${c.signed_note}${extra.map((l) => `${l}\n`).join('')}`;
  const opened = openNote(withAll, verifiersOf(c));
  assert.ok(opened.ok);
  assert.deepEqual(
    opened.verified.map((s) => s.name),
    ['sum.golang.org', 'monkeys', 'bananas', 'witness'],
  );
});

test('from 1 up to MAX_NOTE_SIGNATURES signatures are accepted; one more is malformed', () => {
  const line = (peter.signed_note as string).split('\n')[3] as string;
  const withLines = (count: number) => `${peter.note_text}\n${`${line}\n`.repeat(count)}`;
  const verifiers = verifiersOf(peter);
  for (const count of [1, 16, MAX_NOTE_SIGNATURES]) {
    const opened = openNote(withLines(count), verifiers);
    assert.ok(opened.ok, `${count}`);
    assert.equal(opened.verified.length, 1, 'one key counts once');
  }
  assert.deepEqual(openNote(withLines(MAX_NOTE_SIGNATURES + 1), verifiers), {
    ok: false,
    reason: 'malformed',
  });
});

test('more malformed shapes: stray characters, blank lines and short or non-canonical signatures', () => {
  const text = peter.note_text as string;
  const line = (peter.signed_note as string).split('\n')[3] as string;
  const good = `${text}\n${line}\n`;
  assert.ok(parseNote(good));
  assert.ok(line.endsWith('M='));
  const bad = [
    good.replace('\n\n', '\r\n\r\n'),
    good.replace('answer', 'ans\twer'),
    `${text}\n${line}\n\n`,
    `${text}\n${line.replace('— ', '-- ')}\n`,
    `${text}\n${line.replace('— ', '—')}\n`,
    `${text}\n${line.replace(' x08', '  x08')}\n`,
    `${text}\n${line} \n`,
    `${text}\n— PeterNeumann AAAAAA==\n`,
    `${text}\n— PeterNeumann \n`,
    `${text}\n— Peter+Neumann ${line.split(' ')[2]}\n`,
    `${text}\n${line.slice(0, -2)}N=\n`, // same bytes as ...M=, but with non-zero spare bits
    `${text}\n${line.slice(0, -1)}\n`,
    `${text.trimEnd()}\n— PeterNeumann\n`,
  ];
  for (const note of bad) assert.equal(parseNote(note), null, JSON.stringify(note.slice(-40)));
});

test('a note text may contain blank lines: the last blank line separates the signatures', () => {
  const { signerKey, verifierKey } = generateNoteKeys('custos.example/test');
  const signer = parseSignerKey(signerKey);
  assert.ok(signer);
  const text = 'first paragraph\n\nsecond paragraph\n';
  const formatted = formatNote(signNote(text, [signer]));
  const opened = openNote(formatted, [parseVerifierKey(verifierKey) as NoteVerifier]);
  assert.ok(opened.ok);
  assert.equal(opened.text, text);
});

test('cosigning appends a signature that verifies beside the first', () => {
  const a = generateNoteKeys('log.example/a');
  const b = generateNoteKeys('witness.example/b');
  const [signerA, signerB] = [parseSignerKey(a.signerKey), parseSignerKey(b.signerKey)];
  assert.ok(signerA && signerB);
  const note = parseNote(formatNote(signNote('tree head\n', [signerA])));
  assert.ok(note);
  const cosigned = formatNote({
    ...note,
    signatures: [...note.signatures, ...signNote(note.text, [signerB]).signatures],
  });
  const opened = openNote(
    cosigned,
    [a.verifierKey, b.verifierKey].map((k) => parseVerifierKey(k) as NoteVerifier),
  );
  assert.ok(opened.ok);
  assert.equal(opened.verified.length, 2);
});

test('formatNote and signNote refuse what could not be parsed back', () => {
  const signer = parseSignerKey(peter.signer_key as string);
  assert.ok(signer);
  assert.throws(() => signNote('no final newline', [signer]));
  assert.throws(() => signNote('bell\u0007\n', [signer]));
  assert.throws(() => formatNote({ text: 'text\n', signatures: [] }));
  const [signature] = signNote('text\n', [signer]).signatures;
  assert.ok(signature);
  assert.throws(() => formatNote({ text: 'text\n', signatures: [{ ...signature, name: 'two words' }] }));
  assert.throws(() => formatNote({ text: 'text\n', signatures: [{ ...signature, keyId: Buffer.alloc(3) }] }));
});
