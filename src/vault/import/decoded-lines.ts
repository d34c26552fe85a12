/**
 * A text file as a stream of decoded physical lines, each with its number and whether its bytes decoded.
 *
 * Lines end at LF, CRLF or a lone CR, as editors number them. The file is read in 1 MiB chunks cut at line
 * breaks, so that a line's bytes are decoded whole; a chunk that decodes cleanly (the usual case) is split
 * after decoding, and only a chunk with a fault is decoded again line by line to find which lines hold bytes
 * that are not text in the encoding.
 *
 * Invariant: every line is yielded once, in order, and a line whose bytes did not decode cleanly is marked
 * `undecodable` — its text, with U+FFFD where bytes were lost, only serves to keep the lines around it in
 * step and must never be stored. A U+FFFD that the file itself encodes is not a fault here.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { CustosError } from '../../platform/errors.ts';
import type { TextEncoding } from './text-encoding.ts';

export interface DecodedLine {
  /** 1-based, as an editor shows it. */
  line: number;
  /** The line without its line break. */
  text: string;
  /** Its line break: `\n`, `\r\n`, `\r`, or `''` for a last line without one. */
  end: string;
  undecodable: boolean;
}

export interface DecodedLines {
  /** Bytes of the file read so far, for a progress bar. */
  bytesRead(): number;
  /** The lines, a chunk's worth at a time. */
  batches(): AsyncGenerator<DecodedLine[]>;
}

/** The problem reported for a row whose bytes did not decode (it names no content). */
export function notDecodable(encodingLabel: string): string {
  return `bytes that are not valid ${encodingLabel} (is the file in another encoding? see --encoding)`;
}

const CHUNK = 1 << 20;
/** A "line" longer than this is not a row of customer data; refuse rather than buffer without end. */
const MAX_LINE_BYTES = 64 << 20;
const LINE_BREAK = /(\r\n|\r|\n)/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The code unit at byte `i` (for UTF-16, `i` even). */
function unitAt(buf: Buffer, i: number, encoding: TextEncoding): number {
  if (encoding.unitBytes === 1) return buf[i] as number;
  return encoding.codec === 'utf16be' ? buf.readUInt16BE(i) : buf.readUInt16LE(i);
}

/**
 * Where the last complete line of `buf` ends (just after its line break), or 0 if none does. A CR is only
 * taken as a line's end when a unit follows it, since the next chunk might start with its LF.
 */
function lastLineEnd(buf: Buffer, encoding: TextEncoding): number {
  const unit = encoding.unitBytes;
  const last = buf.length - (buf.length % unit) - unit;
  if (unit === 1) {
    const lf = buf.lastIndexOf(0x0a);
    if (lf !== -1) return lf + 1;
  } else {
    for (let i = last; i >= 0; i -= 2) if (unitAt(buf, i, encoding) === 0x0a) return i + 2;
  }
  for (let i = last - unit; i >= 0; i -= unit) if (unitAt(buf, i, encoding) === 0x0d) return i + unit;
  return 0;
}

function decode(bytes: Buffer, encoding: TextEncoding): string {
  if (encoding.codec === 'utf8') return bytes.toString('utf8');
  // The byte-order mark was skipped with the file's first bytes; a U+FEFF further on is the file's own.
  return iconv.decode(bytes, encoding.codec, { stripBOM: false });
}

/** True if `bytes` (one line, or a whole chunk of lines) are text in `encoding` without a fault. */
function decodesCleanly(bytes: Buffer, text: string, encoding: TextEncoding): boolean {
  if (encoding.codec === 'utf8') return isUtf8(bytes);
  if (encoding.unitBytes === 2) return bytes.length % 2 === 0 && !LONE_SURROGATE.test(text);
  // iconv-lite puts U+FFFD where bytes do not decode; a U+FFFD the file encodes (GB18030 can) round-trips.
  return !text.includes('\uFFFD') || iconv.encode(text, encoding.codec).equals(bytes);
}

/**
 * Split decoded text into lines (numbered later); a last piece without a line break is a line only when
 * `final`.
 */
function splitText(text: string, undecodable: boolean, final: boolean): DecodedLine[] {
  const pieces = text.split(LINE_BREAK);
  const lines: DecodedLine[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const end = pieces[i + 1] ?? '';
    if (end === '' && (pieces[i] === '' || !final)) break;
    lines.push({ line: 0, text: pieces[i] as string, end, undecodable });
  }
  return lines;
}

/** Split bytes of an ASCII-compatible encoding into lines, decoding and checking each on its own. */
function splitBytes(part: Buffer, encoding: TextEncoding): DecodedLine[] {
  const lines: DecodedLine[] = [];
  let start = 0;
  while (start < part.length) {
    let stop = start;
    while (stop < part.length && part[stop] !== 0x0a && part[stop] !== 0x0d) stop++;
    const breakLength = part[stop] === 0x0d && part[stop + 1] === 0x0a ? 2 : stop < part.length ? 1 : 0;
    const bytes = part.subarray(start, stop);
    const text = decode(bytes, encoding);
    lines.push({
      line: 0,
      text,
      end: part.toString('latin1', stop, stop + breakLength),
      undecodable: !decodesCleanly(bytes, text, encoding),
    });
    start = stop + breakLength;
  }
  return lines;
}

function decodeLines(part: Buffer, encoding: TextEncoding, final: boolean): DecodedLine[] {
  const text = decode(part, encoding);
  if (encoding.unitBytes === 2) {
    // UTF-16 decodes unit by unit: a fault stays on its own line, found by looking at each line.
    const lines = splitText(text, false, final);
    for (const line of lines) line.undecodable = LONE_SURROGATE.test(line.text);
    const last = lines[lines.length - 1];
    if (last && part.length % 2 === 1) last.undecodable = true;
    return lines;
  }
  if (decodesCleanly(part, text, encoding)) return splitText(text, false, final);
  return splitBytes(part, encoding);
}

/**
 * Open the file at `path` (whose encoding has been decided) for reading line by line.
 *
 * @example
 * const source = readDecodedLines('customers.csv', await resolveEncoding('customers.csv', 'gb18030'));
 * for await (const lines of source.batches()) for (const l of lines) if (l.undecodable) reject(l.line);
 */
export function readDecodedLines(path: string, encoding: TextEncoding): DecodedLines {
  const stream = createReadStream(path, { start: encoding.bomBytes, highWaterMark: CHUNK });
  return {
    bytesRead: () => encoding.bomBytes + stream.bytesRead,
    async *batches() {
      let next = 1;
      const numbered = (lines: DecodedLine[]): DecodedLine[] => {
        for (const l of lines) l.line = next++;
        return lines;
      };
      let carry: Buffer = Buffer.alloc(0);
      for await (const chunk of stream) {
        const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
        const cut = lastLineEnd(buf, encoding);
        carry = buf.subarray(cut);
        if (carry.length > MAX_LINE_BYTES) {
          throw new CustosError(
            'VALIDATION_FAILED',
            `Line ${next} is longer than ${MAX_LINE_BYTES >> 20} MiB: this is not a file of customer rows.`,
          );
        }
        if (cut > 0) yield numbered(decodeLines(buf.subarray(0, cut), encoding, false));
      }
      if (carry.length > 0) yield numbered(decodeLines(carry, encoding, true));
    },
  };
}
