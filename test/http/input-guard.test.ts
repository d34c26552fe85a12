/**
 * The input guard on its own: what it refuses where, that it names the place and never the value, and that a
 * body nested far deeper than any JSON a client should send cannot exhaust its stack (it walks iteratively).
 * Over HTTP on both databases, every route: input-fuzz.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findControlCharacter } from '../../src/http/input-guard.ts';

const ANY_CONTROL = /\p{Cc}/u;
const BODY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

test('NUL, C0, DEL and C1 are refused anywhere; tab and line breaks only in body text', () => {
  for (const bad of ['a\u0000b', '\u0001', 'x\u001b[31m', '\u007f', 'a\u0085b', '\u009b']) {
    assert.deepEqual(findControlCharacter({ id: bad }, 'params', ANY_CONTROL), {
      path: 'params.id',
      problem: 'contains a control character',
    });
    assert.ok(findControlCharacter({ reason: bad }, 'body', BODY_CONTROL), JSON.stringify(bad));
  }
  const text = 'line one\r\n\tline two';
  assert.equal(findControlCharacter({ reason: text }, 'body', BODY_CONTROL), undefined);
  assert.ok(findControlCharacter({ q: text }, 'query', ANY_CONTROL));
  assert.equal(findControlCharacter({ name: '张伟 𠮷 O\u2019Brien' }, 'body', BODY_CONTROL), undefined);
});

test('lone surrogates are refused, surrogate pairs are not', () => {
  assert.deepEqual(findControlCharacter(['ok', 'a\ud800b'], 'body', BODY_CONTROL), {
    path: 'body[1]',
    problem: 'is not well-formed Unicode',
  });
  assert.ok(findControlCharacter({ x: '\udc00' }, 'body', BODY_CONTROL));
  assert.equal(findControlCharacter({ x: '\ud842\udfb7' }, 'body', BODY_CONTROL), undefined);
});

test('keys are checked as strictly as path values, and the answer names no value', () => {
  const problem = findControlCharacter({ outer: { 'se\u0000cret': 1 } }, 'body', BODY_CONTROL);
  assert.deepEqual(problem, { path: 'body.outer (a key)', problem: 'contains a control character' });
  assert.ok(findControlCharacter({ 'tab\tkey': 1 }, 'body', BODY_CONTROL), 'a tab in a key');
  assert.ok(!JSON.stringify(problem).includes('cret'));
});

test('a body nested 200,000 deep is walked without exhausting the stack', () => {
  let deep: unknown = 'bottom\u0000';
  for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { d: deep };
  const problem = findControlCharacter(deep, 'body', BODY_CONTROL);
  assert.equal(problem?.problem, 'contains a control character');
  assert.ok(problem?.path.startsWith('body[0].d[0].d'), problem?.path);
  assert.ok((problem?.path.length ?? 0) < 300, 'the path is cut short');
});
