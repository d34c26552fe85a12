/** Deciding an import file's encoding: a byte-order mark or valid UTF-8 decides, anything else is refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { isCustosError } from '../../../src/platform/errors.ts';
import { resolveEncoding } from '../../../src/vault/import/text-encoding.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-encoding-'));
let files = 0;

function file(bytes: Buffer): string {
  const path = join(dir, `file-${files++}.csv`);
  writeFileSync(path, bytes);
  return path;
}

const csv = 'name,address\n张伟,广东省深圳市福田区\n';

async function refused(path: string, encoding: string | undefined, message: RegExp) {
  await assert.rejects(resolveEncoding(path, encoding), (e) => {
    assert.ok(isCustosError(e, 'VALIDATION_FAILED'));
    assert.match(e.message, message);
    return true;
  });
}

test('a byte-order mark decides: UTF-8, UTF-16LE, UTF-16BE', async () => {
  for (const [codec, label, bomBytes] of [
    ['utf8', 'UTF-8', 3],
    ['utf16le', 'UTF-16LE', 2],
    ['utf16be', 'UTF-16BE', 2],
  ] as const) {
    const encoding = await resolveEncoding(file(iconv.encode(csv, codec, { addBOM: true })));
    assert.deepEqual(
      { label: encoding.label, bomBytes: encoding.bomBytes, decidedBy: encoding.decidedBy },
      { label, bomBytes, decidedBy: 'byte-order mark' },
    );
  }
});

test('without a mark, a file that is valid UTF-8 is UTF-8', async () => {
  const encoding = await resolveEncoding(file(Buffer.from(csv)));
  assert.equal(encoding.label, 'UTF-8');
  assert.equal(encoding.decidedBy, 'valid UTF-8');
});

test('a GB18030 file without --encoding is refused, naming the line and the fix', async () => {
  await refused(
    file(iconv.encode(csv, 'gb18030')),
    undefined,
    /line 2 is not valid UTF-8.*Excel on Chinese Windows usually saves CSV as GB18030\/GBK.*--encoding gb18030.*Nothing was imported/,
  );
});

test('the first line that is not UTF-8 is found beyond the first chunk', async () => {
  const ascii = `name,phone\n${'row,1\n'.repeat(400_000)}`;
  await refused(
    file(Buffer.concat([Buffer.from(ascii), iconv.encode('张伟,2\n', 'gbk')])),
    undefined,
    /line 400002 /,
  );
});

test('UTF-16 without a byte-order mark is refused (NUL bytes are not UTF-8 text)', async () => {
  await refused(file(iconv.encode(csv, 'utf16le')), undefined, /not UTF-8.*--encoding utf-16le/);
});

test('with --encoding: taken as given, except where it would garble the file', async () => {
  const gb = file(iconv.encode(csv, 'gb18030'));
  assert.equal((await resolveEncoding(gb, 'gb18030')).label, 'GB18030');
  assert.equal((await resolveEncoding(gb, 'GBK')).decidedBy, '--encoding');
  assert.equal((await resolveEncoding(file(Buffer.from('name\nZhang Wei\n')), 'gbk')).label, 'GBK');
  assert.equal((await resolveEncoding(file(iconv.encode(csv, 'utf16be')), 'UTF-16BE')).codec, 'utf16be');

  await refused(
    file(Buffer.from(csv)),
    'gb18030',
    /valid UTF-8 .* almost certainly not GB18030.*Leave out --encoding/,
  );
  await refused(
    file(iconv.encode(csv, 'utf8', { addBOM: true })),
    'gbk',
    /UTF-8 byte-order mark, but --encoding gbk/,
  );
  await refused(file(iconv.encode(csv, 'utf16le')), 'utf-16', /no byte-order mark to say which UTF-16/);
  await refused(gb, 'klingon', /not an encoding the import reads/);
  await refused(gb, 'utf-7', /not an encoding the import reads/);
});

test('a zip archive (an .xlsx named .csv) is refused as not text', async () => {
  await refused(file(Buffer.from('PK\x03\x04rest', 'latin1')), undefined, /zip archive.*\.xlsx/);
});
