/**
 * Importing Chinese customer files as people bring them — GB18030, GBK, Big5, UTF-8 with a byte-order mark,
 * UTF-16, .xlsx — stores every name and address exactly, on both dialects; rows whose bytes do not decode,
 * or that already hold U+FFFD, are rejected by line and never stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import type { Actor } from '../../src/platform/actor.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { openRecordSource, type RecordSourceOptions } from '../../src/vault/import/records.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';
import {
  csvText,
  gbkOnly,
  mainland,
  type Person,
  traditional,
  withAccounts,
  workbookRows,
  writeEncoded,
  writeWorkbook,
} from '../support/import-files.ts';

const actor: Actor = { type: 'system', id: 'test' };
const dir = mkdtempSync(join(tmpdir(), 'custos-import-enc-'));

interface Fixture {
  label: string;
  people: Person[];
  write(people: Person[]): Promise<string> | string;
  options?: RecordSourceOptions;
  readAs: string;
}

const fixtures: Fixture[] = [
  {
    label: 'GB18030 (with --encoding), four-byte characters included',
    people: withAccounts('GB18030', mainland),
    write: (p) => writeEncoded(dir, 'gb18030.csv', csvText(p, '\r\n'), 'gb18030'),
    options: { encoding: 'gb18030' },
    readAs: 'GB18030 (--encoding)',
  },
  {
    label: 'GBK (with --encoding), as Excel on Chinese Windows saves "CSV (Comma delimited)"',
    people: withAccounts('GBK', gbkOnly),
    write: (p) => writeEncoded(dir, 'gbk.csv', csvText(p, '\r\n'), 'gbk'),
    options: { encoding: 'gbk' },
    readAs: 'GBK (--encoding)',
  },
  {
    label: 'Big5 (with --encoding), traditional characters',
    people: withAccounts('BIG5', traditional),
    write: (p) => writeEncoded(dir, 'big5.csv', csvText(p, '\r\n'), 'big5'),
    options: { encoding: 'big5' },
    readAs: 'BIG5 (--encoding)',
  },
  {
    label: 'UTF-8 with a byte-order mark, as Excel saves "CSV UTF-8"',
    people: withAccounts('UTF8BOM', [...mainland, ...traditional]),
    write: (p) => writeEncoded(dir, 'utf8-bom.csv', csvText(p, '\r\n'), 'utf8', true),
    readAs: 'UTF-8 (byte-order mark)',
  },
  {
    label: 'UTF-8 without a mark',
    people: withAccounts('UTF8', [...mainland, ...traditional]),
    write: (p) => writeEncoded(dir, 'utf8.csv', csvText(p), 'utf8'),
    readAs: 'UTF-8 (valid UTF-8)',
  },
  {
    label: 'UTF-16LE with a byte-order mark',
    people: withAccounts('UTF16LE', [...mainland, ...traditional]),
    write: (p) => writeEncoded(dir, 'utf16le.csv', csvText(p, '\r\n'), 'utf16le', true),
    readAs: 'UTF-16LE (byte-order mark)',
  },
  {
    label: 'UTF-16BE with a byte-order mark',
    people: withAccounts('UTF16BE', [...mainland, ...traditional]),
    write: (p) => writeEncoded(dir, 'utf16be.csv', csvText(p), 'utf16be', true),
    readAs: 'UTF-16BE (byte-order mark)',
  },
  {
    label: 'UTF-16LE without a mark (with --encoding)',
    people: withAccounts('UTF16NOBOM', mainland),
    write: (p) => writeEncoded(dir, 'utf16le-nobom.csv', csvText(p), 'utf16le'),
    options: { encoding: 'utf-16le' },
    readAs: 'UTF-16LE (--encoding)',
  },
  {
    label: '.xlsx workbook',
    people: withAccounts('XLSX', [...mainland, ...traditional]),
    write: (p) => writeWorkbook(join(dir, 'customers.xlsx'), { 客户: workbookRows(p) }),
    readAs: '.xlsx',
  },
];

for (const { dialect, skip } of await dialects()) {
  describe(`import of Chinese files on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    before(async () => {
      t = await testCustos(dialect);
    });
    after(async () => t?.cleanup());

    const stored = async (account: string) => {
      const [found] = await t.custos.vault.search(actor, 'account_id', account);
      assert.ok(found, `${account} is stored`);
      return t.custos.vault.unsealFields(found.id, ['name', 'phone', 'address', 'attributes']);
    };

    for (const fixture of fixtures) {
      test(`${fixture.label}: every name and address round-trips exactly`, async () => {
        const path = await fixture.write(fixture.people);
        const source = await openRecordSource(path, path.endsWith('.xlsx') ? 'xlsx' : 'csv', fixture.options);
        assert.equal(source.readAs, fixture.readAs);
        const summary = await t.custos.importer.importRecords(actor, source.records());
        assert.deepEqual(summary.rejectedRows, []);
        assert.equal(summary.imported, fixture.people.length);
        for (const person of fixture.people) {
          const fields = await stored(person.account_id);
          assert.equal(fields.name, person.name);
          assert.equal(fields.address, person.address);
          assert.deepEqual(fields.attributes ?? {}, person.note ? { note: person.note } : {});
        }
      });
    }

    test('a GB18030 file without --encoding is refused before anything is read, not imported garbled', async () => {
      const people = withAccounts('NOENC', mainland);
      const path = writeEncoded(dir, 'no-encoding.csv', csvText(people, '\r\n'), 'gb18030');
      const before = await t.custos.vault.countCustomers();
      await assert.rejects(openRecordSource(path, 'csv'), (e) => {
        assert.ok(isCustosError(e, 'VALIDATION_FAILED'));
        assert.match(e.message, /not UTF-8 \(line 2 .*Excel on Chinese Windows .*--encoding gb18030/);
        return true;
      });
      assert.equal(await t.custos.vault.countCustomers(), before);
    });

    test('JSON lines in GB18030: stored exactly, a line that does not decode rejected by its number', async () => {
      const [zhang, liu] = withAccounts('JSONL', [mainland[0], mainland[2]] as typeof mainland) as [
        Person,
        Person,
      ];
      const path = join(dir, 'customers.jsonl');
      writeFileSync(
        path,
        Buffer.concat([
          iconv.encode(`${JSON.stringify(zhang)}\n`, 'gb18030'),
          Buffer.from('{"name":"\xd5\xc5\xff","account_id":"JSONL-0009"}\n', 'latin1'),
          iconv.encode(`${JSON.stringify(liu)}\n`, 'gb18030'),
        ]),
      );
      const source = await openRecordSource(path, 'jsonl', { encoding: 'gb18030' });
      const summary = await t.custos.importer.importRecords(actor, source.records());
      assert.equal(summary.imported, 2);
      assert.deepEqual(
        summary.rejectedRows.map((r) => r.line),
        [2],
      );
      for (const person of [zhang, liu]) {
        const fields = await stored(person.account_id);
        assert.deepEqual([fields.name, fields.address], [person.name, person.address]);
      }
    });

    test('a GB18030 file with undecodable bytes: those rows rejected by line, the others stored exactly', async () => {
      const people = withAccounts('BADBYTES', mainland);
      const [zhang, ouyang, liu] = people as [Person, Person, Person];
      const line = (p: Person) => iconv.encode(csvText([p]).split('\n')[1] + '\r\n', 'gb18030');
      const bytes = Buffer.concat([
        iconv.encode('name,phone,account_id,address,note\r\n', 'gb18030'), // line 1
        line(zhang), // line 2
        Buffer.from('\xd5\xc5\xff,13600136000,BADBYTES-0009,x,\r\n', 'latin1'), // line 3: 0xFF starts nothing
        line(ouyang), // line 4
        Buffer.from('\xc9\xee\xdb,13500135000,BADBYTES-0010,"', 'latin1'), // line 5: 深, then a cut-off character
        iconv.encode('广东省\r\n深圳市",\r\n', 'gb18030'), // line 6: the address goes on
        line(liu), // line 7
      ]);
      const path = join(dir, 'bad-bytes.csv');
      writeFileSync(path, bytes);
      const source = await openRecordSource(path, 'csv', { encoding: 'gb18030' });
      const summary = await t.custos.importer.importRecords(actor, source.records());
      assert.equal(summary.imported, 3);
      assert.deepEqual(
        summary.rejectedRows.map((r) => [r.line, r.problems.join()]),
        [
          [3, 'bytes that are not valid GB18030 (is the file in another encoding? see --encoding)'],
          [5, 'bytes that are not valid GB18030 (is the file in another encoding? see --encoding)'],
        ],
      );
      for (const person of people) assert.equal((await stored(person.account_id)).name, person.name);
      assert.equal((await t.custos.vault.search(actor, 'account_id', 'BADBYTES-0009')).length, 0);
      assert.equal((await t.custos.vault.search(actor, 'account_id', 'BADBYTES-0010')).length, 0);
    });

    test('UTF-8 with a byte-order mark and a bad byte: that row rejected, never stored as U+FFFD', async () => {
      const good = withAccounts('BOMBAD', gbkOnly);
      const text = csvText(good);
      const path = join(dir, 'utf8-bom-bad.csv');
      writeFileSync(
        path,
        Buffer.concat([
          Buffer.from(`\uFEFF${text}`),
          Buffer.from([0xe5, 0xbc]), // 张 cut short
          Buffer.from(',13400134000,BOMBAD-0009,,\n'),
        ]),
      );
      const summary = await t.custos.importer.importRecords(
        actor,
        (await openRecordSource(path, 'csv')).records(),
      );
      assert.equal(summary.imported, 2);
      assert.deepEqual(
        summary.rejectedRows.map((r) => r.line),
        [4],
      );
      assert.equal((await t.custos.vault.search(actor, 'account_id', 'BOMBAD-0009')).length, 0);
    });

    test('a row already holding U+FFFD (valid UTF-8) is rejected: it marks characters lost before', async () => {
      const path = join(dir, 'replacement.csv');
      writeFileSync(path, 'name,phone,account_id\n��ΰ,13300133000,FFFD-0001\n张伟,13300133001,FFFD-0002\n');
      const summary = await t.custos.importer.importRecords(
        actor,
        (await openRecordSource(path, 'csv')).records(),
      );
      assert.equal(summary.imported, 1);
      assert.deepEqual(summary.rejectedRows, [
        {
          line: 2,
          problems: [
            'contains U+FFFD (�), the mark of characters lost by an earlier conversion: fix the row from its source',
          ],
        },
      ]);
    });
  });
}
