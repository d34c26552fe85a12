/**
 * Import files as people bring them: CSV text encoded as Excel and other tools write it (GB18030, GBK,
 * Big5, UTF-8 with or without a byte-order mark, UTF-16), and .xlsx workbooks, all generated in the test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';

export interface Person {
  name: string;
  phone: string;
  account_id: string;
  address: string;
  note: string;
}

/** Simplified Chinese; `刘䶮` (CJK Extension A) and `𠮷` (a supplementary character) are 4 bytes in GB18030. */
export const mainland: Omit<Person, 'account_id'>[] = [
  { name: '张伟', phone: '13800138000', address: '广东省深圳市福田区深南大道1001号', note: '老客户' },
  { name: '欧阳娜娜', phone: '13900139000', address: '北京市朝阳区建国路88号,SOHO现代城', note: '' },
  { name: '刘䶮', phone: '13700137000', address: '上海市徐汇区𠮷祥路8号"东楼"', note: '维修两次' },
];

/** What GBK can encode (no Extension A, no supplementary characters). */
export const gbkOnly = mainland.slice(0, 2);

/** Traditional Chinese, as written in Taiwan and Hong Kong. */
export const traditional: Omit<Person, 'account_id'>[] = [
  { name: '陳大文', phone: '+886912345678', address: '臺北市中正區重慶南路一段122號', note: '' },
  { name: '李小龍', phone: '+85291234567', address: '香港九龍彌敦道,尖沙咀', note: '貴賓' },
];

/** The people with account IDs `${prefix}-0001`, … */
export function withAccounts(prefix: string, people: Omit<Person, 'account_id'>[]): Person[] {
  return people.map((p, i) => ({ ...p, account_id: `${prefix}-${String(i + 1).padStart(4, '0')}` }));
}

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV with the header `name,phone,account_id,address,note`. */
export function csvText(people: Person[], lineBreak = '\n'): string {
  const rows = people.map((p) => [p.name, p.phone, p.account_id, p.address, p.note].map(cell).join(','));
  return ['name,phone,account_id,address,note', ...rows, ''].join(lineBreak);
}

/** Write `text` encoded in `encoding` (an iconv-lite name), with a byte-order mark if asked. */
export function writeEncoded(dir: string, name: string, text: string, encoding: string, bom = false): string {
  const path = join(dir, name);
  writeFileSync(path, iconv.encode(text, encoding, { addBOM: bom }));
  return path;
}

/** Write a workbook with exceljs: one worksheet per entry, rows as given (row 1 first). */
export async function writeWorkbook(
  path: string,
  sheets: Record<string, ExcelJS.CellValue[][]>,
): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = workbook.addWorksheet(name);
    rows.forEach((row, i) => {
      row.forEach((value, j) => {
        if (value !== undefined) sheet.getCell(i + 1, j + 1).value = value;
      });
    });
  }
  await workbook.xlsx.writeFile(path);
  return path;
}

/** The people as worksheet rows under the same header as `csvText`. */
export function workbookRows(people: Person[]): ExcelJS.CellValue[][] {
  return [
    ['name', 'phone', 'account_id', 'address', 'note'],
    ...people.map((p) => [p.name, p.phone, p.account_id, p.address, p.note]),
  ];
}
