/**
 * Whether a whole file is UTF-8, read as a stream (a million-row file is never held in memory).
 *
 * Used to decide a file's encoding when it has no byte-order mark: only a file whose every byte is valid
 * UTF-8, with no NUL (which UTF-16 without a mark is full of), counts as UTF-8. The first line that fails is
 * named, so that the refusal can point at it.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

export type Utf8Scan =
  | { utf8: true; /** every byte is below 0x80 */ ascii: boolean }
  | { utf8: false; /** the first line (1-based) that is not UTF-8 text */ line: number };

/** Where to cut `buf` so that no multi-byte character is split: before a lead byte near its end. */
function characterBoundary(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const byte = buf[i] as number;
    if (byte < 0x80) return buf.length;
    if (byte >= 0xc0) return i;
  }
  return buf.length;
}

function isText(bytes: Buffer): boolean {
  return isUtf8(bytes) && bytes.indexOf(0) === -1;
}

/** The number of line feeds in `bytes`. */
function lineFeeds(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) count++;
  return count;
}

/** The index (0-based) of the first line of `part` that is not UTF-8 text. */
function firstBadLine(part: Buffer): number {
  let start = 0;
  for (let index = 0; ; index++) {
    const end = part.indexOf(0x0a, start);
    if (!isText(part.subarray(start, end === -1 ? part.length : end))) return index;
    if (end === -1) return index;
    start = end + 1;
  }
}

/**
 * Scan the file at `path` from byte `start`.
 *
 * @example
 * const scan = await scanUtf8('customers.csv', 0);
 * if (!scan.utf8) console.log(`line ${scan.line} is not UTF-8`);
 */
export async function scanUtf8(path: string, start: number): Promise<Utf8Scan> {
  let ascii = true;
  let linesBefore = 0;
  let carry: Buffer = Buffer.alloc(0);
  const check = (part: Buffer): Utf8Scan | null => {
    if (!isText(part)) return { utf8: false, line: linesBefore + firstBadLine(part) + 1 };
    if (ascii && !isAscii(part)) ascii = false;
    linesBefore += lineFeeds(part);
    return null;
  };
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 20 })) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const cut = characterBoundary(buf);
    carry = buf.subarray(cut);
    const failed = check(buf.subarray(0, cut));
    if (failed) return failed;
  }
  return check(carry) ?? { utf8: true, ascii };
}
