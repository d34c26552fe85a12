/** The CSV reader: csv-parse's fields, records named by the line they start on, a bad record costing one line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCsvReader } from '../../../src/vault/import/csv.ts';
import type { DecodedLine } from '../../../src/vault/import/decoded-lines.ts';
import type { TableRow } from '../../../src/vault/import/table-row.ts';

/** Physical lines of `text` as the decoder yields them; `undecodable` lists lines whose bytes failed. */
function linesOf(text: string, undecodable: number[] = []): DecodedLine[] {
  const pieces = text.split(/(\r\n|\r|\n)/);
  const lines: DecodedLine[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const end = pieces[i + 1] ?? '';
    if (end === '' && pieces[i] === '') break;
    const line = lines.length + 1;
    lines.push({ line, text: pieces[i] as string, end, undecodable: undecodable.includes(line) });
  }
  return lines;
}

function read(text: string, options: { undecodable?: number[]; split?: number; maxLines?: number } = {}) {
  const csv = createCsvReader('GB18030', options.maxLines);
  const lines = linesOf(text, options.undecodable);
  const at = options.split ?? lines.length;
  return [...csv.push(lines.slice(0, at)), ...csv.push(lines.slice(at)), ...csv.finish()];
}

const errors = (rows: TableRow[]) => rows.flatMap((r) => ('error' in r ? [[r.line, r.error]] : []));
const cells = (rows: TableRow[]) => rows.flatMap((r) => ('cells' in r ? [[r.line, r.cells]] : []));

test('quoted commas, doubled quotes and line breaks are read, each record named by its first line', () => {
  const rows = read('a,"b,c","say ""hi""",\nx,"multi\nline",y\n\n张伟,"广东省,深圳市",z\n');
  assert.deepEqual(cells(rows), [
    [1, ['a', 'b,c', 'say "hi"', '']],
    [2, ['x', 'multi\nline', 'y']],
    [5, ['张伟', '广东省,深圳市', 'z']],
  ]);
});

test('a CRLF inside a quoted field is kept, and counts as one line for the rows after it', () => {
  const rows = read('h1,h2\r\n"line one\r\nline two",2\r\nlast,3\r\n');
  assert.deepEqual(cells(rows), [
    [1, ['h1', 'h2']],
    [2, ['line one\r\nline two', '2']],
    [4, ['last', '3']],
  ]);
});

test('lone CR line breaks (old Mac files) and mixed line breaks number lines as an editor does', () => {
  assert.deepEqual(cells(read('a,b\rc,d\r\ne,f\ng,h')), [
    [1, ['a', 'b']],
    [2, ['c', 'd']],
    [3, ['e', 'f']],
    [4, ['g', 'h']],
  ]);
});

test('a malformed record costs only its own line: reading resumes on the next', () => {
  const rows = read(['ok,1', '"Broken "quote",2', 'next,3', 'O"Brien,4', 'after,5', ''].join('\n'));
  assert.deepEqual(errors(rows), [
    [2, 'unexpected character after a closing quote'],
    [4, 'a quote inside an unquoted field'],
  ]);
  assert.deepEqual(cells(rows), [
    [1, ['ok', '1']],
    [3, ['next', '3']],
    [5, ['after', '5']],
  ]);
});

test('a quote that never closes is reported on its line, and the lines after it are still read', () => {
  const rows = read(['ok,1', 'z,"open', 'more,2', 'last,3'].join('\n'));
  assert.deepEqual(errors(rows), [[2, 'a quoted field opened on this line never closes']]);
  assert.deepEqual(
    cells(rows).map(([line]) => line),
    [1, 3, 4],
  );
});

test('a quoted field open for too many lines is taken for a stray quote', () => {
  const rows = read(['"stray,1', 'a,2', 'b,3', 'c,4', 'd,5'].join('\n'), { maxLines: 3 });
  assert.deepEqual(errors(rows), [[1, 'a quoted field opened on this line does not close within 3 lines']]);
  assert.deepEqual(
    cells(rows).map(([line]) => line),
    [2, 3, 4, 5],
  );
});

test('a record split across two batches of lines is read whole', () => {
  const text = 'h,v\n"first\nsecond\nthird",1\nz,2\n';
  for (const split of [1, 2, 3, 4]) {
    assert.deepEqual(cells(read(text, { split })), [
      [1, ['h', 'v']],
      [2, ['first\nsecond\nthird', '1']],
      [5, ['z', '2']],
    ]);
  }
});

test('a record with undecodable bytes is an error on its first line, naming the line at fault', () => {
  const rows = read('a,1\n��ΰ,2\n"x\n�",3\nb,4\n', { undecodable: [2, 4] });
  assert.deepEqual(errors(rows), [
    [2, 'bytes that are not valid GB18030 (is the file in another encoding? see --encoding)'],
    [3, 'bytes that are not valid GB18030 (is the file in another encoding? see --encoding) (on line 4)'],
  ]);
  assert.deepEqual(
    cells(rows).map(([line]) => line),
    [1, 5],
  );
});

test('errors never quote the content of the file', () => {
  const rows = read('"张伟 13800138000"x,1\n张"伟,2\n"张伟');
  assert.equal(errors(rows).length, 3);
  assert.ok(!JSON.stringify(errors(rows)).match(/张|伟|138/));
});

test('an undecodable line with a stray quote costs only its own line', () => {
  const rows = read('a,1\n�"x,2\nb,3\nc,4\n', { undecodable: [2] });
  assert.deepEqual(errors(rows), [
    [2, 'bytes that are not valid GB18030 (is the file in another encoding? see --encoding)'],
  ]);
  assert.deepEqual(
    cells(rows).map(([line]) => line),
    [1, 3, 4],
  );
});
