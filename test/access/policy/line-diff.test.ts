/** The unified line diff: known outputs, and applying it to the old text always gives the new text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unifiedLineDiff } from '../../../src/access/policy/line-diff.ts';

/** Apply a unified diff (as `patch` would, without fuzz): checks every context and removed line. */
function applyDiff(before: string, diff: string): string {
  const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let at = 0;
  for (const hunk of diff.split(/^(?=@@ )/m).slice(1)) {
    const [header, ...body] = hunk.replace(/\n$/, '').split('\n');
    const match = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(header as string);
    assert.ok(match, header);
    const start = Number(match[2]) === 0 ? Number(match[1]) : Number(match[1]) - 1;
    while (at < start) out.push(lines[at++] as string);
    for (const line of body) {
      const text = line.slice(1);
      if (line[0] === '+') out.push(text);
      else {
        assert.equal(lines[at], text, 'context or removed line does not match');
        at++;
        if (line[0] === ' ') out.push(text);
      }
    }
  }
  while (at < lines.length) out.push(lines[at++] as string);
  return out.map((l) => `${l}\n`).join('');
}

describe('unified line diff', () => {
  test('known outputs', () => {
    assert.equal(unifiedLineDiff('a\nb\n', 'a\nb\n', 'v1', 'v2'), '');
    assert.equal(
      unifiedLineDiff('a\nb\n', 'a\nc\n', 'v1', 'v2'),
      '--- v1\n+++ v2\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n',
    );
    assert.equal(unifiedLineDiff('', 'x\n', 'v1', 'v2'), '--- v1\n+++ v2\n@@ -0,0 +1,1 @@\n+x\n');
    const long = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const edited = [...long.slice(0, 2), 'new', ...long.slice(3, 17), ...long.slice(18)];
    const diff = unifiedLineDiff(`${long.join('\n')}\n`, `${edited.join('\n')}\n`, 'a', 'b');
    assert.equal(diff.match(/^@@/gm)?.length, 2, diff);
    assert.match(diff, /^@@ -1,6 \+1,6 @@\n line 0\n line 1\n-line 2\n\+new\n line 3\n/m);
  });

  test('applying the diff gives the new text (random edits)', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 500; round++) {
      const a = Array.from({ length: Math.floor(next() * 40) }, () => `l${Math.floor(next() * 6)}`);
      const b = [...a];
      for (let e = Math.floor(next() * 6); e > 0; e--) {
        const k = Math.floor(next() * (b.length + 1));
        if (next() < 0.5) b.splice(k, 1);
        else b.splice(k, 0, `n${Math.floor(next() * 4)}`);
      }
      const before = a.map((l) => `${l}\n`).join('');
      const after = b.map((l) => `${l}\n`).join('');
      const diff = unifiedLineDiff(before, after, 'a', 'b');
      assert.equal(diff === '', before === after);
      assert.equal(applyDiff(before, diff), after, JSON.stringify({ before, after, diff }));
    }
  });
});
