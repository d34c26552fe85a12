/**
 * The rows of one worksheet of an .xlsx workbook, read as a stream with exceljs's `WorkbookReader`, each
 * cell turned into the text a person sees in Excel.
 *
 * Which worksheet: the one named by `sheet`, else the only one. A workbook of several sheets without a
 * `sheet` is refused (naming them) rather than read in part. Rows carry Excel's row numbers.
 *
 * Invariant: a cell whose text cannot be had exactly — an Excel error, a formula without a saved result, a
 * number too long for Excel to have kept all its digits (an 18-digit national ID typed as a number) — makes
 * its row an error instead of becoming an approximate value.
 */
import type { Readable } from 'node:stream';
import type { CellValue, Row } from 'exceljs';
import { CustosError } from '../../platform/errors.ts';
import type { TableRow } from './table-row.ts';

/** What the streaming reader knows at run time and its typings leave out. */
interface SheetReader extends AsyncIterable<Row> {
  name?: string;
}

class CellProblem extends Error {}

/** Excel keeps 15 significant digits: a larger integer has already lost its last digits. */
const EXACT_DIGITS = 1e15;

function dateText(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** The text of a cell as Excel shows it (dates as ISO 8601), or a `CellProblem`. */
function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) >= EXACT_DIGITS)
      throw new CellProblem('holds a number too long for Excel to keep exactly: format the column as text');
    return String(value);
  }
  if (value instanceof Date) return dateText(value);
  if ('error' in value) throw new CellProblem(`holds the Excel error ${value.error}`);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    if (value.result === undefined) throw new CellProblem('holds a formula without a saved result');
    return cellText(value.result);
  }
  if ('hyperlink' in value) return cellText(value.text as CellValue);
  throw new CellProblem('holds a value of a kind the import does not read');
}

/** Cell texts of a row, column A first; trailing empty cells are left out, as Excel leaves them out. */
function rowCells(row: Row): TableRow {
  const values = row.values as CellValue[];
  const cells: string[] = [];
  for (let column = 1; column < values.length; column++) {
    try {
      cells.push(cellText(values[column]));
    } catch (error) {
      if (!(error instanceof CellProblem)) throw error;
      return { line: row.number, error: `column ${column}: the cell ${error.message}` };
    }
  }
  return { line: row.number, cells };
}

function refuse(message: string, cause?: unknown): CustosError {
  return new CustosError('VALIDATION_FAILED', message, { cause });
}

function chooseSheet(names: string[], wanted: string | undefined): string | undefined {
  const list = names.map((n) => `"${n}"`).join(', ');
  if (wanted !== undefined) {
    if (names.length > 0 && !names.includes(wanted))
      throw refuse(`The workbook has no sheet "${wanted}"; its sheets are ${list}.`);
    return wanted;
  }
  if (names.length > 1) {
    throw refuse(
      `The workbook has ${names.length} sheets (${list}): name the one to import with --sheet. Nothing was imported.`,
    );
  }
  return names[0];
}

/**
 * The rows of the chosen worksheet of the workbook read from `input`.
 *
 * @example
 * for await (const row of worksheetRows(createReadStream('customers.xlsx'), { sheet: '客户' })) …
 */
export async function* worksheetRows(input: Readable, options: { sheet?: string }): AsyncGenerator<TableRow> {
  // Loaded on first use: exceljs is large, and only .xlsx imports need it.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles say which numbers are dates.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let chosen: string | undefined;
  let decided = false;
  let found = false;
  try {
    for await (const sheet of workbook as AsyncIterable<SheetReader>) {
      if (!decided) {
        chosen = chooseSheet(
          (workbook.model?.sheets ?? []).map((s) => s.name),
          options.sheet,
        );
        decided = true;
      }
      if (chosen !== undefined && sheet.name !== chosen) continue;
      if (found) throw refuse('The workbook has several sheets: name the one to import with --sheet.');
      found = true;
      for await (const row of sheet) yield rowCells(row);
      if (chosen !== undefined) break;
    }
  } catch (error) {
    if (error instanceof CustosError) throw error;
    throw refuse(
      'The file is not an .xlsx workbook that can be read (is it damaged, or another format?).',
      error,
    );
  } finally {
    input.destroy();
  }
  if (!found) throw refuse('The workbook has no worksheet to import.');
}
