/**
 * Reading an import file as a stream of customer records — CSV, JSON lines or an .xlsx worksheet — each
 * tagged with the line (or worksheet row) a person finds it by.
 *
 * CSV and worksheets: a header row names the columns; `name,phone,email,account_id,national_id,address,
 * birth_date` are the customer's fields, any other column becomes an attribute. JSON lines: one object per
 * line with the same keys (an `attributes` object is allowed too). A .json file is a customer's portability
 * export (`custos.portability.v1`, privacy/portability): its `customer` object is one record. Text files are decoded in the encoding
 * `text-encoding.ts` decides, never a guessed one.
 *
 * Invariant: a record holds exactly the text of the file. A row that cannot be read exactly — bytes that do
 * not decode, broken CSV quoting, an unreadable cell — is yielded as an error with its line, so that one bad
 * row never stops the rest and none is stored approximately. So is a row holding U+FFFD, the replacement
 * character: it marks characters already lost by an earlier faulty conversion (`张伟` saved through the
 * wrong encoding comes back as `��ΰ`), it is never part of a real name or address, and storing it would keep
 * the loss out of sight; rejected, the row is fixed from its source and imported again.
 */
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { ATTRIBUTE_KEY, fieldNames } from '../customer-fields.ts';
import { createCsvReader } from './csv.ts';
import { type DecodedLine, notDecodable, readDecodedLines } from './decoded-lines.ts';
import type { TableRow } from './table-row.ts';
import { resolveEncoding } from './text-encoding.ts';
import { worksheetRows } from './xlsx.ts';

export type ImportFormat = 'csv' | 'jsonl' | 'xlsx' | 'json';

export type SourceRecord =
  { line: number; record: Record<string, unknown> } | { line: number; error: string };

export interface RecordSource {
  format: ImportFormat;
  /** How the file is read, for the person importing: `GB18030 (--encoding)`, `UTF-8 (valid UTF-8)`, `.xlsx`. */
  readAs: string;
  totalBytes: number;
  /** Bytes read so far, for a progress bar. */
  bytesRead(): number;
  records(): AsyncGenerator<SourceRecord>;
}

export interface RecordSourceOptions {
  /** The encoding of a CSV or JSON-lines file without a byte-order mark (default: UTF-8 if it is valid). */
  encoding?: string;
  /** The worksheet of an .xlsx workbook (default: its only one). */
  sheet?: string;
}

export function formatOf(path: string): ImportFormat | null {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.xlsx$/i.test(path)) return 'xlsx';
  if (/\.json$/i.test(path)) return 'json';
  return null;
}

const knownFields = new Set<string>(fieldNames);

const REPLACEMENT_CHARACTER =
  'contains U+FFFD (�), the mark of characters lost by an earlier conversion: fix the row from its source';

function holdsReplacementCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\uFFFD');
  if (typeof value === 'object' && value !== null)
    return Object.values(value).some(holdsReplacementCharacter);
  return false;
}

/** Split a flat record into fields and attributes, as every format does for unknown keys. */
function toCustomerRecord(line: number, flat: Record<string, unknown>): SourceRecord {
  if (holdsReplacementCharacter(flat)) return { line, error: REPLACEMENT_CHARACTER };
  const record: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (knownFields.has(key)) record[key] = value === '' ? undefined : value;
    else if (key === 'attributes' && typeof value === 'object' && value !== null)
      Object.assign(attributes, value);
    else if (value !== '' && value !== null && value !== undefined) attributes[key] = value;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return { line, record };
}

function tableHeader(row: TableRow | undefined): string[] {
  if (!row)
    throw validationFailed([{ path: 'line 1', problem: 'the file is empty: a header row is required' }]);
  const at = `line ${row.line}`;
  if ('error' in row) throw validationFailed([{ path: at, problem: `the header row: ${row.error}` }]);
  const header = row.cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim().toLowerCase());
  const problems = header
    .map((name, i) => ({ name, i }))
    .filter(({ name }) => !knownFields.has(name) && !ATTRIBUTE_KEY.test(name))
    .map(({ i }) => ({
      path: `${at}, column ${i + 1}`,
      problem: 'column names must be lower-case letters, digits and _',
    }));
  if (new Set(header).size !== header.length) problems.push({ path: at, problem: 'a column is named twice' });
  if (!header.includes('name')) problems.push({ path: at, problem: 'the header must have a name column' });
  if (problems.length > 0) throw validationFailed(problems);
  return header;
}

/**
 * Records from the rows of a table whose first row is the header. CSV rows must have the header's width;
 * a worksheet row may stop early (Excel leaves out empty trailing cells) but has no value past the header.
 */
async function* tableRecords(
  rows: AsyncIterable<TableRow>,
  format: 'csv' | 'xlsx',
): AsyncGenerator<SourceRecord> {
  let header: string[] | undefined;
  for await (const row of rows) {
    if (!header) {
      header = tableHeader(row);
      continue;
    }
    if ('error' in row) {
      yield row;
      continue;
    }
    const { line, cells } = row;
    if (format === 'csv' && cells.length !== header.length) {
      yield { line, error: `expected ${header.length} columns, found ${cells.length}` };
      continue;
    }
    const beyond = cells.findIndex((c, i) => i >= (header as string[]).length && c !== '');
    if (beyond !== -1) {
      yield { line, error: `column ${beyond + 1} has a value but no header` };
      continue;
    }
    if (format === 'xlsx' && cells.every((c) => c === '')) continue;
    const flat: Record<string, string> = {};
    header.forEach((name, i) => {
      flat[name] = cells[i] ?? '';
    });
    yield toCustomerRecord(line, flat);
  }
  if (!header) tableHeader(undefined);
}

async function* csvRows(
  batches: AsyncIterable<DecodedLine[]>,
  encodingLabel: string,
): AsyncGenerator<TableRow> {
  const csv = createCsvReader(encodingLabel);
  for await (const lines of batches) yield* csv.push(lines);
  yield* csv.finish();
}

async function* jsonlRecords(
  batches: AsyncIterable<DecodedLine[]>,
  encodingLabel: string,
): AsyncGenerator<SourceRecord> {
  for await (const lines of batches) {
    for (const { line, text, undecodable } of lines) {
      if (undecodable) {
        yield { line, error: notDecodable(encodingLabel) };
        continue;
      }
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        yield { line, error: 'not valid JSON' };
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        yield { line, error: 'must be a JSON object' };
        continue;
      }
      yield toCustomerRecord(line, parsed as Record<string, unknown>);
    }
  }
}

function openWorkbook(path: string, options: RecordSourceOptions): RecordSource {
  if (options.encoding !== undefined) {
    throw new CustosError(
      'VALIDATION_FAILED',
      '--encoding is for .csv and .jsonl files: an .xlsx workbook is read as it is.',
    );
  }
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return {
    format: 'xlsx',
    readAs: `.xlsx${options.sheet === undefined ? '' : `, sheet "${options.sheet}"`}`,
    totalBytes: statSync(path).size,
    bytesRead: () => stream.bytesRead,
    records: () => tableRecords(worksheetRows(stream, options), 'xlsx'),
  };
}

/** The portability export's format name (privacy/portability/export-schema.ts, which the vault may not import). */
const PORTABILITY_FORMAT = 'custos.portability.v1';
/** A portability export holds one customer: a larger .json file is not one. */
const MAX_JSON_DOCUMENT_BYTES = 1 << 20;

/** The one record of a portability export (a whole-file JSON document, UTF-8 as JSON must be). */
function portabilityDocument(path: string): RecordSource {
  const totalBytes = statSync(path).size;
  let read = 0;
  return {
    format: 'json',
    readAs: 'a Custos portability export (UTF-8 JSON)',
    totalBytes,
    bytesRead: () => read,
    async *records() {
      if (totalBytes > MAX_JSON_DOCUMENT_BYTES) {
        yield { line: 1, error: 'too large for a portability export (one customer)' };
        return;
      }
      const bytes = await readFile(path);
      read = bytes.length;
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        yield { line: 1, error: 'not valid UTF-8 JSON' };
        return;
      }
      const doc = parsed as { format?: unknown; customer?: unknown } | null;
      if (typeof doc !== 'object' || doc === null || doc.format !== PORTABILITY_FORMAT) {
        yield { line: 1, error: `not a portability export (format ${PORTABILITY_FORMAT})` };
        return;
      }
      if (typeof doc.customer !== 'object' || doc.customer === null || Array.isArray(doc.customer)) {
        yield { line: 1, error: 'the export has no customer object' };
        return;
      }
      yield toCustomerRecord(1, doc.customer as Record<string, unknown>);
    },
  };
}

/**
 * Open an import file. A text file's encoding is decided here, before any row is read: a file that is
 * not UTF-8 and has no byte-order mark or `encoding` is refused (`VALIDATION_FAILED`) with the fix.
 *
 * @example
 * const source = await openRecordSource('excel-export.csv', 'csv', { encoding: 'gb18030' });
 * await importer.importRecords(actor, source.records());
 */
export async function openRecordSource(
  path: string,
  format: ImportFormat,
  options: RecordSourceOptions = {},
): Promise<RecordSource> {
  if (format === 'xlsx') return openWorkbook(path, options);
  if (format === 'json') {
    if (options.encoding !== undefined || options.sheet !== undefined) {
      throw new CustosError(
        'VALIDATION_FAILED',
        'A .json portability export takes no --encoding or --sheet.',
      );
    }
    return portabilityDocument(path);
  }
  if (options.sheet !== undefined) {
    throw new CustosError('VALIDATION_FAILED', '--sheet is for .xlsx workbooks.');
  }
  const encoding = await resolveEncoding(path, options.encoding);
  const lines = readDecodedLines(path, encoding);
  return {
    format,
    readAs: `${encoding.label} (${encoding.decidedBy})`,
    totalBytes: statSync(path).size,
    bytesRead: () => lines.bytesRead(),
    records: () =>
      format === 'csv'
        ? tableRecords(csvRows(lines.batches(), encoding.label), 'csv')
        : jsonlRecords(lines.batches(), encoding.label),
  };
}
