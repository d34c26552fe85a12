/**
 * A unified line diff (the `diff -u` format, 3 lines of context) between two texts, from a longest common
 * subsequence of their lines. Used to put exactly what a policy change changes into the ledger.
 *
 * Invariant: applying the diff's `-`/`+` lines to the old text gives the new text; equal texts give ''.
 * Cost: the common head and tail are cut off first, so a small edit to a large text is cheap; the LCS
 * table is (changed lines of old) × (changed lines of new), bounded by the callers' size limit on texts.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

const CONTEXT = 3;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function operations(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  // lcs[i][j]: length of the LCS of a[head+i..] and b[head+j..], both within the changed middle.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[head + i] === b[head + j]
          ? (lcs[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', line: a[k] as string, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const ai = head + i;
    const bj = head + j;
    if (i < n && j < m && a[ai] === b[bj]) {
      ops.push({ kind: ' ', line: a[ai] as string, a: ai, b: bj });
      i++;
      j++;
    } else if (
      i < n &&
      (j === m || (lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number))
    ) {
      ops.push({ kind: '-', line: a[ai] as string, a: ai, b: bj });
      i++;
    } else {
      ops.push({ kind: '+', line: b[bj] as string, a: ai, b: bj });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) {
    ops.push({
      kind: ' ',
      line: a[a.length - tail + k] as string,
      a: a.length - tail + k,
      b: b.length - tail + k,
    });
  }
  return ops;
}

/**
 * The unified diff from `before` to `after`, with `---`/`+++` headers naming them.
 *
 * @example
 *   unifiedLineDiff('a\nb\n', 'a\nc\n', 'v1', 'v2') // '--- v1\n+++ v2\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n'
 */
export function unifiedLineDiff(
  before: string,
  after: string,
  beforeName: string,
  afterName: string,
): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = operations(a, b);
  const changed = ops.map((op, k) => (op.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into hunks.
  const hunks: Array<[number, number]> = [];
  for (const k of changed) {
    const start = Math.max(0, k - CONTEXT);
    const end = Math.min(ops.length, k + CONTEXT + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else hunks.push([start, end]);
  }
  let out = `--- ${beforeName}\n+++ ${afterName}\n`;
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end);
    const first = slice[0] as Op;
    const aCount = slice.filter((op) => op.kind !== '+').length;
    const bCount = slice.filter((op) => op.kind !== '-').length;
    // A range with no lines is written as starting at the line before it (diff -u's convention).
    const aStart = aCount === 0 ? first.a : first.a + 1;
    const bStart = bCount === 0 ? first.b : first.b + 1;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    for (const op of slice) out += `${op.kind}${op.line}\n`;
  }
  return out;
}
