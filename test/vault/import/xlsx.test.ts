/** Reading a worksheet: cells as Excel shows them, Excel's row numbers, and no approximate values. */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCustosError } from '../../../src/platform/errors.ts';
import { openRecordSource, type SourceRecord } from '../../../src/vault/import/records.ts';
import type { TableRow } from '../../../src/vault/import/table-row.ts';
import { worksheetRows } from '../../../src/vault/import/xlsx.ts';
import { writeWorkbook } from '../../support/import-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-xlsx-'));

async function rowsOf(path: string, sheet?: string): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of worksheetRows(createReadStream(path), { sheet })) rows.push(row);
  return rows;
}

test('cells read as Excel shows them: numbers, dates, rich text, links and formulas', async () => {
  const path = await writeWorkbook(join(dir, 'kinds.xlsx'), {
    客户: [
      ['name', 'phone', 'birth_date', 'address', 'note'],
      [
        { richText: [{ text: '欧阳' }, { text: '娜娜', font: { bold: true } }] },
        13800138000,
        new Date(Date.UTC(1990, 0, 2)),
        { text: '广东省深圳市', hyperlink: 'https://example.com/' },
        { formula: 'A2&"!"', result: '欧阳娜娜!' },
      ],
      [],
      ['陳大文', 912345678.5, true],
    ],
  });
  assert.deepEqual(await rowsOf(path), [
    { line: 1, cells: ['name', 'phone', 'birth_date', 'address', 'note'] },
    { line: 2, cells: ['欧阳娜娜', '13800138000', '1990-01-02', '广东省深圳市', '欧阳娜娜!'] },
    { line: 4, cells: ['陳大文', '912345678.5', 'TRUE'] },
  ]);
});

test('a cell that cannot be had exactly makes its row an error naming the column', async () => {
  const path = await writeWorkbook(join(dir, 'bad-cells.xlsx'), {
    Sheet1: [
      ['name', 'national_id', 'note'],
      ['张伟', 110105194912310020],
      ['李娜', '11010519491231002X', { error: '#N/A' }],
      ['王芳', '11010519491231002X', { formula: 'B4' }],
    ],
  });
  const rows = await rowsOf(path);
  assert.deepEqual(rows.slice(1), [
    {
      line: 2,
      error:
        'column 2: the cell holds a number too long for Excel to keep exactly: format the column as text',
    },
    { line: 3, error: 'column 3: the cell holds the Excel error #N/A' },
    { line: 4, error: 'column 3: the cell holds a formula without a saved result' },
  ]);
});

test('a workbook of several sheets is refused unless one is named; the named one is read', async () => {
  const path = await writeWorkbook(join(dir, 'two.xlsx'), {
    客户: [['name'], ['张伟']],
    说明: [['name'], ['not customers']],
  });
  await assert.rejects(rowsOf(path), (e) => {
    assert.ok(isCustosError(e, 'VALIDATION_FAILED'));
    assert.match(e.message, /2 sheets \("客户", "说明"\): name the one to import with --sheet/);
    return true;
  });
  assert.deepEqual(await rowsOf(path, '说明'), [
    { line: 1, cells: ['name'] },
    { line: 2, cells: ['not customers'] },
  ]);
  await assert.rejects(rowsOf(path, 'Sheet9'), /no sheet "Sheet9"/);
});

test('a file that is not a workbook is refused', async () => {
  const path = join(dir, 'not.xlsx');
  writeFileSync(path, 'name\n张伟\n');
  await assert.rejects(rowsOf(path), /not an \.xlsx workbook/);
});

test('records: empty rows skipped, short rows padded, a value past the header rejected, U+FFFD rejected', async () => {
  const path = await writeWorkbook(join(dir, 'records.xlsx'), {
    Sheet1: [
      ['name', 'phone', 'address'],
      ['张伟', '13800138000'],
      ['', ''],
      ['李娜', '13900139000', '北京市', 'stray'],
      ['��ΰ', '13700137000'],
    ],
  });
  const source = await openRecordSource(path, 'xlsx');
  const records: SourceRecord[] = [];
  for await (const record of source.records()) records.push(record);
  assert.deepEqual(records, [
    { line: 2, record: { name: '张伟', phone: '13800138000', address: undefined } },
    { line: 4, error: 'column 4 has a value but no header' },
    {
      line: 5,
      error:
        'contains U+FFFD (�), the mark of characters lost by an earlier conversion: fix the row from its source',
    },
  ]);
  assert.equal(source.bytesRead(), source.totalBytes);
  await assert.rejects(
    openRecordSource(path, 'xlsx', { encoding: 'gbk' }),
    /--encoding is for \.csv and \.jsonl/,
  );
});
