import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBlindIndexer } from '../../src/crypto/blind-index.ts';
import {
  chineseIdCheckCharacter,
  normaliseAccountId,
  normaliseBirthDate,
  normaliseEmail,
  normaliseName,
  normaliseNationalId,
  normalisePhone,
} from '../../src/crypto/normalise.ts';

test('phones normalise to E.164 whatever the spelling', () => {
  for (const raw of [
    '13800138000',
    '138 0013 8000',
    '+86 138-0013-8000',
    '0086 13800138000',
    '+86(138)00138000',
  ]) {
    assert.equal(normalisePhone(raw), '+8613800138000', raw);
  }
  assert.equal(normalisePhone('+44 20 7946 0958'), '+442079460958');
  assert.equal(normalisePhone('１３８００１３８０００'), '+8613800138000', 'full-width digits (NFKC)');
  for (const bad of ['12', '12800138000', '+86 1380013800', 'phone', '+0123456789', '+8612345']) {
    assert.equal(normalisePhone(bad), null, bad);
  }
});

test('emails are lower-cased and checked; names are NFKC with single spaces', () => {
  assert.equal(normaliseEmail('  Wei.Zhang@Example.COM '), 'wei.zhang@example.com');
  assert.equal(normaliseEmail('no-at-sign'), null);
  assert.equal(normaliseEmail('a@b'), null);
  for (const sneaky of [
    'wei\u0000@example.com',
    'wei@exa\u0000mple.com',
    'wei\u0001@example.com',
    'wei@example.com\u0085',
    'wei\u007f@example.com',
    '\u202ewei@example.com',
    'w\u200dei@example.com',
  ])
    assert.equal(normaliseEmail(sneaky), null, JSON.stringify(sneaky));
  assert.equal(normaliseName('  Zhang   Wei '), 'Zhang Wei');
  assert.equal(normaliseName('Ｚｈａｎｇ Wei'), 'Zhang Wei');
  assert.equal(normaliseName('bad\u0007name'), null);
  assert.equal(normaliseName('   '), null);
  assert.equal(normaliseAccountId(' mi0000000042 '), 'MI0000000042');
  assert.equal(normaliseAccountId("x' or 1=1"), null);
});

test('PRC identity numbers need a correct check character (GB 11643)', () => {
  // The standard's published example: 11010519491231002X.
  assert.equal(chineseIdCheckCharacter('11010519491231002'), 'X');
  assert.equal(normaliseNationalId('11010519491231002x'), '11010519491231002X');
  assert.equal(normaliseNationalId('110105194912310021'), null);
  assert.equal(normaliseNationalId('AB1234567'), 'AB1234567');
  assert.equal(normaliseNationalId('!!'), null);
});

test('birth dates must be real past days', () => {
  const today = new Date('2026-11-23T00:00:00Z');
  assert.equal(normaliseBirthDate('1988-02-29', today), '1988-02-29');
  assert.equal(normaliseBirthDate('1987-02-29', today), null);
  assert.equal(normaliseBirthDate('2030-01-01', today), null);
  assert.equal(normaliseBirthDate('1899-12-31', today), null);
  assert.equal(normaliseBirthDate('12/03/1988', today), null);
});

test('blind indexes are deterministic, per kind, and depend on the root secret', () => {
  const index = createBlindIndexer(Buffer.alloc(32, 1));
  const a = index('phone', '+8613800138000');
  assert.equal(a.length, 16);
  assert.deepEqual(index('phone', '+8613800138000'), a);
  assert.notDeepEqual(index('email', '+8613800138000'), a);
  assert.notDeepEqual(createBlindIndexer(Buffer.alloc(32, 2))('phone', '+8613800138000'), a);
});

test('blind indexes keep their derivation: HKDF-SHA-256 (salt custos/blind-index/v1, info = kind), HMAC, 16 bytes', () => {
  // Stored indexes must match the ones computed after an upgrade, or exact search silently finds nothing.
  // Expected values computed independently (Python hmac/hashlib, RFC 5869 HKDF) for root = 32 × 0x07.
  const index = createBlindIndexer(Buffer.alloc(32, 7));
  assert.equal(index('phone', '+8613800138000').toString('hex'), '26c85266dc8a32e15419031baa932fd7');
  assert.equal(index('email', 'wei@example.com').toString('hex'), '57133c73e435684f0a1784f28b7618d3');
  assert.equal(index('presence_code', '123456').toString('hex'), 'f66a6bf79e8c1e4a1c32e8e45984b47e');
});
