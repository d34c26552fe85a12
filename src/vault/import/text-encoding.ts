/**
 * Which text encoding an import file is in, decided before a single row is read.
 *
 * A byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE). Without one, a file is UTF-8 only if every byte of
 * it is valid UTF-8; otherwise the import is refused with a message asking for `--encoding`, because a
 * guess between GB18030, Big5 and the rest garbles names without a single error. An `--encoding` is taken
 * as given (decoded through iconv-lite), except for two mistakes that would garble a file silently: one that
 * contradicts the file's byte-order mark, and a legacy encoding named for a file that is in fact UTF-8 with
 * non-ASCII text (UTF-8 read as GBK decodes "successfully" into nonsense).
 *
 * Invariant: the answer never comes from a guess; what cannot be decided is a refusal that names the fix.
 */
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { CustosError } from '../../platform/errors.ts';
import { scanUtf8 } from './utf8-scan.ts';

export interface TextEncoding {
  /** The name people know it by, for messages: `UTF-8`, `GB18030`, `UTF-16LE`. */
  label: string;
  /** The iconv-lite codec; `utf8` is decoded by Node itself. */
  codec: string;
  /** Bytes per code unit: 2 for UTF-16, whose line breaks are two bytes. */
  unitBytes: 1 | 2;
  /** Bytes of byte-order mark at the start of the file, to skip. */
  bomBytes: number;
  /** How it was decided, for the person importing: `byte-order mark`, `valid UTF-8` or `--encoding`. */
  decidedBy: string;
}

const utf8: Omit<TextEncoding, 'bomBytes' | 'decidedBy'> = { label: 'UTF-8', codec: 'utf8', unitBytes: 1 };
const utf16le = { label: 'UTF-16LE', codec: 'utf16le', unitBytes: 2 } as const;
const utf16be = { label: 'UTF-16BE', codec: 'utf16be', unitBytes: 2 } as const;

const boms = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: utf8, names: ['utf8'] },
  // UTF-32LE starts with FF FE 00 00 and is not read; its rows would fail to decode as UTF-16 anyway.
  { bytes: [0xff, 0xfe], encoding: utf16le, names: ['utf16', 'utf16le'] },
  { bytes: [0xfe, 0xff], encoding: utf16be, names: ['utf16', 'utf16be'] },
];

const HINT =
  'Excel on Chinese Windows usually saves CSV as GB18030/GBK: run the import again with --encoding gb18030 ' +
  '(Traditional Chinese from Taiwan or Hong Kong: --encoding big5; UTF-16 without a byte-order mark: ' +
  '--encoding utf-16le). Nothing was imported.';

function refuse(message: string): CustosError {
  return new CustosError('VALIDATION_FAILED', message);
}

/** `UTF-16le`, `utf_16LE` and `utf16le` are the same name. */
function nameKey(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

const ASCII = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i));

/**
 * An encoding that writes ASCII as ASCII, one byte each (GB18030, GBK, Big5, Shift_JIS, Windows-125x, …):
 * line breaks, quotes and commas are then single bytes that never occur inside a multi-byte character, which
 * is what reading a file line by line relies on. UTF-7 and UTF-32 are not.
 */
function asciiCompatible(codec: string): boolean {
  return iconv.encode(ASCII, codec).equals(Buffer.from(ASCII, 'latin1'));
}

async function head(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await file.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function fromBom(start: Buffer, requested: string | undefined): TextEncoding | null {
  const bom = boms.find((b) => b.bytes.every((byte, i) => start[i] === byte));
  if (!bom) return null;
  if (requested !== undefined && !bom.names.includes(nameKey(requested))) {
    throw refuse(
      `The file starts with a ${bom.encoding.label} byte-order mark, but --encoding ${requested} was given: ` +
        'leave out --encoding. Nothing was imported.',
    );
  }
  return { ...bom.encoding, bomBytes: bom.bytes.length, decidedBy: 'byte-order mark' };
}

function named(requested: string): Omit<TextEncoding, 'bomBytes' | 'decidedBy'> {
  const key = nameKey(requested);
  if (key === 'utf8') return utf8;
  if (key === 'utf16le') return utf16le;
  if (key === 'utf16be') return utf16be;
  if (key === 'utf16') {
    throw refuse(
      'The file has no byte-order mark to say which UTF-16 it is: use --encoding utf-16le (what Windows ' +
        'writes) or --encoding utf-16be. Nothing was imported.',
    );
  }
  if (!iconv.encodingExists(requested) || !asciiCompatible(requested)) {
    throw refuse(
      `--encoding ${requested} is not an encoding the import reads: use gb18030, gbk, big5, utf-8, ` +
        'utf-16le, utf-16be, shift_jis, euc-kr or a windows-125x code page.',
    );
  }
  return { label: requested.toUpperCase(), codec: requested, unitBytes: 1 };
}

/**
 * Decide the encoding of the text file at `path`, given the `--encoding` the person asked for, if any.
 * Throws a `VALIDATION_FAILED` refusal, naming the fix, whenever the answer would be a guess.
 *
 * @example
 * await resolveEncoding('excel-export.csv');             // refused: not UTF-8, asks for --encoding
 * await resolveEncoding('excel-export.csv', 'gb18030'); // { label: 'GB18030', decidedBy: '--encoding', … }
 */
export async function resolveEncoding(path: string, requested?: string): Promise<TextEncoding> {
  const start = await head(path);
  if (start.length === 4 && start.readUInt32BE(0) === 0x504b0304) {
    throw refuse(
      'The file is a zip archive, not text: an .xlsx workbook is read as one when it is named .xlsx ' +
        '(or with --format xlsx).',
    );
  }
  const byBom = fromBom(start, requested);
  if (byBom) return byBom;

  if (requested === undefined) {
    const scan = await scanUtf8(path, 0);
    if (!scan.utf8) {
      throw refuse(
        `The file is not UTF-8 (line ${scan.line} is not valid UTF-8 text) and has no byte-order mark ` +
          `to say what it is. ${HINT}`,
      );
    }
    return { ...utf8, bomBytes: 0, decidedBy: 'valid UTF-8' };
  }

  const encoding = named(requested);
  if (encoding.codec !== 'utf8' && encoding.unitBytes === 1) {
    const scan = await scanUtf8(path, 0);
    if (scan.utf8 && !scan.ascii) {
      throw refuse(
        `The file is valid UTF-8 with non-ASCII text, so it is almost certainly not ${encoding.label}: ` +
          `reading it as ${encoding.label} would garble every Chinese character. Leave out --encoding. ` +
          'Nothing was imported.',
      );
    }
  }
  return { ...encoding, bomBytes: 0, decidedBy: '--encoding' };
}
