/**
 * CSV rows from decoded lines: csv-parse reads the fields; this file only decides which lines make a record.
 *
 * Lines are grouped into one record while a quoted field is open (an odd number of quotes so far), and the
 * groups are handed to csv-parse many at a time. Grouping here, rather than streaming the text through
 * csv-parse, keeps two promises its stream does not: every row is named by the line it starts on as an
 * editor numbers it (csv-parse counts a CRLF inside a quoted field as two lines), and a malformed record
 * costs only the line it starts on — reading resumes on the next line, where csv-parse would go on in the
 * quoting state the error left and swallow the rows after it.
 *
 * Invariant: every non-blank line ends up in exactly one row or one error, in line order; an error never
 * quotes the file's content, which may be personal data.
 */
import { CsvError, type CsvErrorCode, parse } from 'csv-parse/sync';
import { type DecodedLine, notDecodable } from './decoded-lines.ts';
import type { TableRow } from './table-row.ts';

/** A quoted field still open after this many lines is taken for a stray quote. */
const MAX_RECORD_LINES = 1000;

const PARSE_OPTIONS = {
  record_delimiter: '\n',
  relax_column_count: true,
  skip_empty_lines: false,
  bom: false,
} as const;

const NOT_CLOSED = 'a quoted field opened on this line never closes';

const problems: Partial<Record<CsvErrorCode, string>> = {
  CSV_INVALID_CLOSING_QUOTE: 'unexpected character after a closing quote',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
  CSV_QUOTE_NOT_CLOSED: NOT_CLOSED,
};

function problemOf(error: unknown): string {
  if (!(error instanceof CsvError)) throw error;
  // csv-parse's own messages quote the field's content: only the code is kept.
  return problems[error.code] ?? `not valid CSV (${error.code})`;
}

function quotesIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) count++;
  return count;
}

/** A record's text: its lines with the line breaks between them (inside a quoted field), not the last. */
function recordText(lines: readonly DecodedLine[]): string {
  if (lines.length === 1) return (lines[0] as DecodedLine).text;
  return lines.map((l, i) => (i < lines.length - 1 ? l.text + l.end : l.text)).join('');
}

const isBlank = (lines: readonly DecodedLine[]) => lines.length === 1 && lines[0]?.text === '';

export interface CsvReader {
  /** Feed the next lines; returns the rows completed by them (a record still open waits for more). */
  push(lines: readonly DecodedLine[]): TableRow[];
  /** At the end of the file: the rows left, a quoted field that never closed reported on its first line. */
  finish(): TableRow[];
}

/**
 * A CSV reader for a file in the encoding named `encodingLabel` (used in the message for rows that did not
 * decode).
 *
 * @example
 * const csv = createCsvReader('UTF-8');
 * csv.push(lines); // [{ line: 1, cells: ['name', 'address'] }, { line: 2, cells: ['张伟', '北京市…'] }]
 */
export function createCsvReader(encodingLabel: string, maxRecordLines = MAX_RECORD_LINES): CsvReader {
  let queue: DecodedLine[] = [];

  /** Lines in the record starting at `queue[start]`; 0 if it is still open at the queue's end, -1 if too long. */
  function recordLength(start: number): number {
    let quotes = 0;
    for (let i = start; i < queue.length; i++) {
      quotes += quotesIn((queue[i] as DecodedLine).text);
      if (quotes % 2 === 0) return i - start + 1;
      if (i - start + 1 >= maxRecordLines) return -1;
    }
    return 0;
  }

  /** A record that did not decode, or `null`. */
  function undecodable(lines: readonly DecodedLine[]): TableRow | null {
    const bad = lines.find((l) => l.undecodable);
    if (!bad) return null;
    const where = bad === lines[0] ? '' : ` (on line ${bad.line})`;
    return { line: (lines[0] as DecodedLine).line, error: `${notDecodable(encodingLabel)}${where}` };
  }

  function parseRecord(lines: readonly DecodedLine[]): TableRow {
    const line = (lines[0] as DecodedLine).line;
    try {
      const [cells, ...more] = parse(recordText(lines), PARSE_OPTIONS);
      return cells && more.length === 0 ? { line, cells } : { line, error: 'not valid CSV' };
    } catch (error) {
      return { line, error: problemOf(error) };
    }
  }

  /**
   * The usual case: every complete record of the queue parsed by one csv-parse call. Returns null if any
   * record is malformed (the slow path then finds which), else the rows and where the records stop.
   */
  function parseAll(): { rows: TableRow[]; end: number } | null {
    const records: DecodedLine[][] = [];
    let at = 0;
    for (let length = recordLength(0); length > 0; length = recordLength(at)) {
      const lines = queue.slice(at, at + length);
      at += length;
      if (!isBlank(lines)) records.push(lines);
    }
    if (records.length === 0) return { rows: [], end: at };
    let parsed: string[][];
    try {
      parsed = parse(records.map(recordText).join('\n'), PARSE_OPTIONS);
    } catch (error) {
      problemOf(error);
      return null;
    }
    if (parsed.length !== records.length) return null;
    const rows = records.map(
      (lines, i): TableRow =>
        undecodable(lines) ?? { line: (lines[0] as DecodedLine).line, cells: parsed[i] as string[] },
    );
    return { rows, end: at };
  }

  function drain(final: boolean): TableRow[] {
    const fast = parseAll();
    const rows = fast?.rows ?? [];
    let head = fast?.end ?? 0;
    // One record at a time: after a malformed record, reading resumes on the line after its first.
    while (head < queue.length) {
      const length = recordLength(head);
      const first = (queue[head] as DecodedLine).line;
      if (length === 0 && !final) break;
      if (length <= 0) {
        // Its first line alone says best what is wrong: a quote inside a field, or one that opens a field.
        const alone = parseRecord(queue.slice(head, head + 1));
        const unclosed = !('error' in alone) || alone.error === problems.CSV_QUOTE_NOT_CLOSED;
        const tooLong = `a quoted field opened on this line does not close within ${maxRecordLines} lines`;
        const error = !unclosed ? alone.error : length === 0 ? NOT_CLOSED : tooLong;
        rows.push(undecodable(queue.slice(head, head + 1)) ?? { line: first, error });
        head += 1;
        continue;
      }
      const lines = queue.slice(head, head + length);
      if (isBlank(lines)) {
        head += 1;
        continue;
      }
      // A record that did not decode still has to be well-formed CSV to be taken as one record.
      const row = parseRecord(lines);
      rows.push(undecodable(lines) ?? row);
      head += 'error' in row ? 1 : length;
    }
    queue = queue.slice(head);
    return rows;
  }

  return {
    push(lines) {
      queue = queue.length === 0 ? [...lines] : queue.concat(lines);
      return drain(false);
    },
    finish: () => drain(true),
  };
}
