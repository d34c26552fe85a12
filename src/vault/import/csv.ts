/**
 * A streaming CSV record parser (RFC 4180: commas, double-quoted fields with `""` escapes and embedded
 * line breaks). Fed one physical line at a time, it yields each complete record with the line it began on,
 * so that errors can name the line a person sees in their editor.
 */

export interface CsvRecord {
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export function createCsvParser() {
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let startLine = 0;

  const fail = (message: string) => {
    inQuotes = false;
    return new CsvSyntaxError(startLine, message);
  };

  return {
    /** Feed physical line `lineNo` (without its line break); returns a record once one is complete. */
    push(text: string, lineNo: number): CsvRecord | CsvSyntaxError | null {
      if (inQuotes) {
        cell += '\n';
      } else {
        startLine = lineNo;
        cells = [];
        cell = '';
      }
      for (let i = 0; i < text.length; i++) {
        const ch = text[i] as string;
        if (inQuotes) {
          if (ch !== '"') cell += ch;
          else if (text[i + 1] === '"') {
            cell += '"';
            i++;
          } else {
            inQuotes = false;
            if (i + 1 < text.length && text[i + 1] !== ',')
              return fail('unexpected character after a closing quote');
          }
        } else if (ch === ',') {
          cells.push(cell);
          cell = '';
        } else if (ch === '"') {
          if (cell !== '') return fail('a quote inside an unquoted field');
          inQuotes = true;
        } else {
          cell += ch;
        }
      }
      if (inQuotes) return null;
      cells.push(cell);
      return { line: startLine, cells };
    },

    /** At end of input: an error if a quoted field never closed. */
    finish(): CsvSyntaxError | null {
      return inQuotes ? fail(`a quoted field opened on line ${startLine} never closes`) : null;
    },
  };
}
