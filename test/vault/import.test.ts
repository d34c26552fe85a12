/** Import: bad rows reported by line, the rest stored exactly once, on both dialects and both formats. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/platform/actor.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { openRecordSource } from '../../src/vault/import/records.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const actor: Actor = { type: 'system', id: 'test' };
const dir = mkdtempSync(join(tmpdir(), 'custos-import-'));

function file(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

const csv = [
  'name,phone,email,account_id,national_id,address,birth_date,loyalty_tier', // line 1
  'Zhang Wei,13800138000,wei@example.com,MI0000000001,11010519491231002X,"北京市朝阳区,建国路88号",1949-12-31,gold',
  'Li Na,12345,li@example.com,MI0000000002,,,,', // line 3: bad phone
  '"Wang, Fang",13900139000,fang@example.com,MI0000000003,,"广东省深圳市南山区,',
  '科技园路1号",1990-01-01,silver', // lines 4–5: one record over two lines
  ',13700137000,noname@example.com,MI0000000004,,,,', // line 6: no name
  'Chen Jing,13600136000,jing@example.com,MI0000000001,,,,', // line 7: repeats line 2's account
  'too,few,columns', // line 8
  'Zhao Lei,13500135000,not-an-email,MI0000000005,110105194912310021,,2099-01-01,', // line 9: three problems
  'Sun Li,13400134000,sun@example.com,MI0000000006,,,,bronze', // line 10
  '"Broken "quote",13300133000,x@example.com,MI0000000007,,,,', // line 11
  '',
].join('\n');

for (const { dialect, skip } of await dialects()) {
  describe(`import on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    before(async () => {
      t = await testCustos(dialect);
    });
    after(async () => t?.cleanup());

    test('a CSV with bad rows: each reported by its line, the rest imported', async () => {
      const source = await openRecordSource(file('customers.csv', csv), 'csv');
      const summary = await t.custos.importer.importRecords(actor, source.records(), { batchSize: 2 });
      assert.equal(summary.imported, 3);
      assert.deepEqual(
        summary.rejectedRows.map((r) => r.line),
        [3, 6, 7, 8, 9, 11],
      );
      const problems = Object.fromEntries(summary.rejectedRows.map((r) => [r.line, r.problems.join(' | ')]));
      assert.match(problems[3] as string, /^phone: /);
      assert.match(problems[6] as string, /^name: is required/);
      assert.match(problems[7] as string, /account_id: repeats an earlier row/);
      assert.match(problems[8] as string, /expected 8 columns, found 3/);
      assert.equal(summary.rejectedRows.find((r) => r.line === 9)?.problems.length, 3);
      assert.match(problems[11] as string, /quote/);
      assert.ok(!JSON.stringify(summary).includes('12345'), 'no rejected value is echoed');

      const [wang] = await t.custos.vault.search(actor, 'account_id', 'MI0000000003');
      assert.ok(wang);
      assert.deepEqual(await t.custos.vault.unsealFields(wang.id, ['name', 'address', 'attributes']), {
        name: 'Wang, Fang',
        address: '广东省深圳市南山区, 科技园路1号',
        attributes: { loyalty_tier: 'silver' },
      });
      assert.equal(await t.custos.vault.countCustomers(), 3);
    });

    test('sealing in worker threads gives the same outcome, and the rows open', async () => {
      const fresh = await testCustos(dialect);
      try {
        const source = await openRecordSource(join(dir, 'customers.csv'), 'csv');
        const summary = await fresh.custos.importer.importRecords(actor, source.records(), {
          workers: 2,
          batchSize: 2,
        });
        assert.equal(summary.imported, 3);
        assert.deepEqual(
          summary.rejectedRows.map((r) => r.line),
          [3, 6, 7, 8, 9, 11],
        );
        const [sun] = await fresh.custos.vault.search(actor, 'phone', '13400134000');
        assert.deepEqual(await fresh.custos.vault.unsealFields(sun?.id as string, ['name', 'attributes']), {
          name: 'Sun Li',
          attributes: { loyalty_tier: 'bronze' },
        });
      } finally {
        await fresh.cleanup();
      }
    });

    test('importing the same file again stores nobody twice', async () => {
      const source = await openRecordSource(join(dir, 'customers.csv'), 'csv');
      const summary = await t.custos.importer.importRecords(actor, source.records(), { batchSize: 500 });
      assert.equal(summary.imported, 0);
      assert.equal(summary.rejectedRows.filter((r) => /already exists/.test(r.problems.join())).length, 3);
      assert.equal(await t.custos.vault.countCustomers(), 3);
    });

    test('JSON lines with the same keys, attributes object included', async () => {
      const body = [
        JSON.stringify({
          name: 'Liu Yang',
          phone: '13200132000',
          account_id: 'MI0000000010',
          attributes: { vip: 'yes' },
        }),
        '{not json',
        '[1,2]',
        JSON.stringify({
          name: 'Huang Lei',
          email: 'lei@example.com',
          account_id: 'MI0000000011',
          channel: 'store',
        }),
        '',
        JSON.stringify({ name: 42 }),
      ].join('\n');
      const source = await openRecordSource(file('customers.jsonl', body), 'jsonl');
      const summary = await t.custos.importer.importRecords(actor, source.records());
      assert.equal(summary.imported, 2);
      assert.deepEqual(
        summary.rejectedRows.map((r) => r.line),
        [2, 3, 6],
      );
      const [huang] = await t.custos.vault.search(actor, 'email', 'lei@example.com');
      assert.deepEqual(huang?.attributes, { channel: '***' });
    });

    test('a CSV whose header is unusable is refused whole', async () => {
      const source = await openRecordSource(
        file('bad-header.csv', 'phone,Bad Column\n13800138000,x\n'),
        'csv',
      );
      await assert.rejects(t.custos.importer.importRecords(actor, source.records()), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
    });
  });
}
