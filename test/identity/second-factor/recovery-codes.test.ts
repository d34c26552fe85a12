import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  generateRecoveryCodes,
  matchRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
} from '../../../src/identity/second-factor/recovery-codes.ts';

const SHOWN = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

test('ten distinct codes, grouped for reading, from the unambiguous alphabet', () => {
  const { codes, hashes } = generateRecoveryCodes();
  assert.equal(RECOVERY_CODE_COUNT, 10);
  assert.equal(codes.length, 10);
  assert.equal(hashes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, SHOWN);
  // Two sets share nothing.
  const other = generateRecoveryCodes();
  assert.equal(codes.filter((code) => other.codes.includes(code)).length, 0);
});

test('each code matches its own hash, and only that one', () => {
  const { codes, hashes } = generateRecoveryCodes();
  codes.forEach((code, index) => assert.equal(matchRecoveryCode(code, hashes), index, code));
  // Once the caller drops a used hash, the same code finds nothing.
  const [first] = codes;
  assert.equal(matchRecoveryCode(first ?? '', hashes.slice(1)), -1);
  // Against another account's hashes, nothing.
  assert.equal(matchRecoveryCode(first ?? '', generateRecoveryCodes().hashes), -1);
});

test('typed input is normalised: case, dashes, spaces and Crockford look-alikes', () => {
  assert.equal(normaliseRecoveryCode(' 7kq0x-ILm2z '), '7KQ0X11M2Z');
  assert.equal(normaliseRecoveryCode('7KQOX 11M2Z'), '7KQ0X11M2Z');
  assert.equal(normaliseRecoveryCode('7k-q0x\t11m\u20132z'), '7KQ0X11M2Z');
  assert.equal(normaliseRecoveryCode('7kq0x-11m2u'), null, 'U is not in the alphabet');
  assert.equal(normaliseRecoveryCode('7kq0x-11m2'), null);

  const { codes, hashes } = generateRecoveryCodes();
  const code = codes[3] ?? '';
  const bare = code.replace('-', '');
  const variants = [
    code.toUpperCase(),
    bare,
    ` ${bare.slice(0, 2)} ${bare.slice(2, 7)} ${bare.slice(7)} `,
    `${bare.slice(0, 5)}\u2014${bare.slice(5)}`,
    bare.replace(/0/g, 'o').replace(/1/g, 'l'),
    bare.replace(/0/g, 'O').replace(/1/g, 'I'),
  ];
  for (const typed of variants) assert.equal(matchRecoveryCode(typed, hashes), 3, JSON.stringify(typed));
});

test('wrong or malformed codes fail', () => {
  const { codes, hashes } = generateRecoveryCodes();
  const code = codes[0] ?? '';
  const changed = code.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  for (const wrong of [
    changed,
    code.slice(0, -1),
    `${code}0`,
    code.replace(/^./, 'u'),
    '',
    '-----',
    'x'.repeat(1000),
    `${code}${'-'.repeat(40)}`,
  ]) {
    assert.equal(matchRecoveryCode(wrong, hashes), -1, JSON.stringify(wrong));
  }
  assert.equal(matchRecoveryCode(code, [Buffer.alloc(0), Buffer.alloc(48)]), -1);
  assert.equal(matchRecoveryCode(code, []), -1);
});

test('the stored hashes reveal nothing of the codes', () => {
  const { codes, hashes } = generateRecoveryCodes();
  for (const hash of hashes) assert.equal(hash.length, 48);
  assert.equal(new Set(hashes.map((h) => h.toString('hex'))).size, 10);
  const stored = Buffer.concat(hashes);
  for (const code of codes) {
    const canonical = normaliseRecoveryCode(code) ?? '';
    for (const form of [code, canonical, canonical.toLowerCase()]) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        assert.equal(stored.includes(Buffer.from(form, encoding)), false, `${form} in ${encoding}`);
      }
      const text = [stored.toString('hex'), stored.toString('base64'), stored.toString('latin1')].join('\n');
      assert.equal(text.toUpperCase().includes(canonical), false);
    }
  }
});

test('a canonical code is exactly ten characters: one more or one fewer is not a code', () => {
  assert.equal(normaliseRecoveryCode('7KQ0X-11M2Z'), '7KQ0X11M2Z');
  for (const wrong of ['7KQ0X-11M2ZA', 'A7KQ0X-11M2Z', '7KQ0X-11M2', 'KQ0X-11M2Z']) {
    assert.equal(normaliseRecoveryCode(wrong), null, wrong);
  }
});
