/** Decoding a file line by line: exact text across chunk boundaries, and only faulty lines marked. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { type DecodedLine, readDecodedLines } from '../../../src/vault/import/decoded-lines.ts';
import { resolveEncoding } from '../../../src/vault/import/text-encoding.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-lines-'));
let files = 0;

async function linesOf(bytes: Buffer, encoding?: string): Promise<DecodedLine[]> {
  const path = join(dir, `file-${files++}.csv`);
  writeFileSync(path, bytes);
  const lines: DecodedLine[] = [];
  for await (const batch of readDecodedLines(path, await resolveEncoding(path, encoding)).batches())
    lines.push(...batch);
  return lines;
}

const texts = (lines: DecodedLine[]) => lines.map((l) => [l.line, l.text, l.end]);
const faults = (lines: DecodedLine[]) => lines.filter((l) => l.undecodable).map((l) => l.line);

test('LF, CRLF and lone CR end lines; a last line without a break is kept', async () => {
  const lines = await linesOf(Buffer.from('a\r\nb\nc\rd\r\n\r\ne'));
  assert.deepEqual(texts(lines), [
    [1, 'a', '\r\n'],
    [2, 'b', '\n'],
    [3, 'c', '\r'],
    [4, 'd', '\r\n'],
    [5, '', '\r\n'],
    [6, 'e', ''],
  ]);
});

test('multi-byte characters split by 1 MiB chunks decode exactly, in every encoding', async () => {
  // Lines of odd lengths so that chunk boundaries fall inside characters and inside CRLFs.
  const expected = Array.from({ length: 60_000 }, (_, i) => `${i},张伟${'𠮷欧阳娜娜'.repeat(i % 7)},深圳市`);
  const text = `${expected.join('\r\n')}\r\n`;
  for (const [encoding, bom] of [
    ['utf8', false],
    ['gb18030', false],
    ['utf16le', true],
    ['utf16be', true],
  ] as const) {
    const bytes = iconv.encode(text, encoding, { addBOM: bom });
    assert.ok(bytes.length > 2 << 20, 'spans several chunks');
    const lines = await linesOf(bytes, bom ? undefined : encoding === 'utf8' ? undefined : encoding);
    assert.equal(lines.length, expected.length, encoding);
    assert.deepEqual(faults(lines), [], encoding);
    assert.ok(
      lines.every((l, i) => l.text === expected[i] && l.end === '\r\n' && l.line === i + 1),
      encoding,
    );
  }
});

test('GB18030: only the lines with bytes that do not decode are marked, the others read exactly', async () => {
  const bytes = Buffer.concat([
    iconv.encode('张伟,1\n', 'gb18030'),
    Buffer.from([0xd5, 0xc5, 0xff, 0x2c, 0x32, 0x0a]), // 张, then a byte no GB18030 character starts with
    iconv.encode('欧阳娜娜,3\n', 'gb18030'),
    Buffer.from([0x81, 0x2c, 0x34, 0x0a]), // a lead byte whose second byte is a comma
    iconv.encode('刘䶮,5', 'gb18030'),
  ]);
  const lines = await linesOf(bytes, 'gb18030');
  assert.deepEqual(faults(lines), [2, 4]);
  assert.deepEqual(
    lines.filter((l) => !l.undecodable).map((l) => l.text),
    ['张伟,1', '欧阳娜娜,3', '刘䶮,5'],
  );
  assert.equal(lines[3]?.text, '\uFFFD,4', 'the comma after a bad lead byte survives');
});

test('a U+FFFD that the file itself encodes is text, not a decoding fault', async () => {
  const lines = await linesOf(iconv.encode('a\uFFFDb,1\n', 'gb18030'), 'gb18030');
  assert.deepEqual(texts(lines), [[1, 'a\uFFFDb,1', '\n']]);
  assert.deepEqual(faults(lines), []);
});

test('UTF-8 named explicitly: invalid bytes mark their line only', async () => {
  const bytes = Buffer.concat([
    Buffer.from('张伟,1\n'),
    Buffer.from([0xe5, 0xbc, 0x0a]),
    Buffer.from('ok,3\n'),
  ]);
  assert.deepEqual(faults(await linesOf(bytes, 'utf-8')), [2]);
});

test('UTF-16: a lone surrogate or a trailing odd byte marks its line; U+FEFF inside the text is kept', async () => {
  const body = Buffer.concat([
    iconv.encode('\uFEFFa,1\n', 'utf16le', { addBOM: true }),
    Buffer.from([0x3d, 0xd8, 0x2c, 0x00, 0x0a, 0x00]), // a high surrogate with no low one, then ",\n"
    iconv.encode('ok,3\nz', 'utf16le'),
    Buffer.from([0x41]),
  ]);
  const lines = await linesOf(body);
  assert.equal(lines[0]?.text, '\uFEFFa,1', 'only the byte-order mark is skipped');
  assert.deepEqual(faults(lines), [2, 4]);
  assert.equal(lines[2]?.text, 'ok,3');
});
