/**
 * Reading an import file as a stream of customer records, CSV or JSON lines, each tagged with its line.
 *
 * CSV: a header row names the columns; `name,phone,email,account_id,national_id,address,birth_date` are the
 * customer's fields, any other column becomes an attribute. JSON lines: one object per line with the same
 * keys (an `attributes` object is allowed too). A row that cannot be read is yielded as an error with its
 * line, so that one bad row never stops the rest.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { validationFailed } from '../../platform/errors.ts';
import { ATTRIBUTE_KEY, fieldNames } from '../customer-fields.ts';
import { createCsvParser } from './csv.ts';

export type ImportFormat = 'csv' | 'jsonl';

export type SourceRecord =
  { line: number; record: Record<string, unknown> } | { line: number; error: string };

export interface RecordSource {
  format: ImportFormat;
  totalBytes: number;
  /** Bytes read so far, for a progress bar. */
  bytesRead(): number;
  records(): AsyncGenerator<SourceRecord>;
}

export function formatOf(path: string): ImportFormat | null {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  return null;
}

const knownFields = new Set<string>(fieldNames);

/** Split a flat record into fields and attributes, as both formats do for unknown keys. */
function toCustomerRecord(flat: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (knownFields.has(key)) record[key] = value === '' ? undefined : value;
    else if (key === 'attributes' && typeof value === 'object' && value !== null)
      Object.assign(attributes, value);
    else if (value !== '' && value !== null && value !== undefined) attributes[key] = value;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return record;
}

function csvHeader(cells: string[]): string[] {
  const header = cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim().toLowerCase());
  const problems = header
    .map((name, i) => ({ name, i }))
    .filter(({ name }) => !knownFields.has(name) && !ATTRIBUTE_KEY.test(name))
    .map(({ i }) => ({
      path: `line 1, column ${i + 1}`,
      problem: 'column names must be lower-case letters, digits and _',
    }));
  if (new Set(header).size !== header.length)
    problems.push({ path: 'line 1', problem: 'a column is named twice' });
  if (!header.includes('name'))
    problems.push({ path: 'line 1', problem: 'the header must have a name column' });
  if (problems.length > 0) throw validationFailed(problems);
  return header;
}

async function* csvRecords(lines: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  const parser = createCsvParser();
  let header: string[] | undefined;
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    const result = parser.push(text, lineNo);
    if (result === null) continue;
    if (result instanceof Error) {
      yield { line: result.line, error: result.message };
      continue;
    }
    if (!header) {
      header = csvHeader(result.cells);
      continue;
    }
    if (result.cells.length === 1 && result.cells[0] === '') continue;
    if (result.cells.length !== header.length) {
      yield { line: result.line, error: `expected ${header.length} columns, found ${result.cells.length}` };
      continue;
    }
    const flat: Record<string, string> = {};
    header.forEach((name, i) => {
      flat[name] = result.cells[i] as string;
    });
    yield { line: result.line, record: toCustomerRecord(flat) };
  }
  const unfinished = parser.finish();
  if (unfinished) yield { line: unfinished.line, error: unfinished.message };
  if (!header)
    throw validationFailed([{ path: 'line 1', problem: 'the file is empty: a header row is required' }]);
}

async function* jsonlRecords(lines: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { line: lineNo, error: 'not valid JSON' };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { line: lineNo, error: 'must be a JSON object' };
      continue;
    }
    yield { line: lineNo, record: toCustomerRecord(parsed as Record<string, unknown>) };
  }
}

/** Open an import file; the format comes from the extension unless given. */
export function openRecordSource(path: string, format: ImportFormat): RecordSource {
  const totalBytes = statSync(path).size;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  return {
    format,
    totalBytes,
    bytesRead: () => stream.bytesRead,
    records: () => (format === 'csv' ? csvRecords(lines) : jsonlRecords(lines)),
  };
}
