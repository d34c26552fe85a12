/**
 * Invariant 2: the stored bytes alone reveal no customer field. Seed known values, then scan the SQLite file
 * with its WAL, and a pg_dump of the PostgreSQL schema, for every spelling of them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/platform/actor.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects, PG_URL } from '../support/databases.ts';

const actor: Actor = { type: 'api-token', id: 'test' };
const CONTROL = 'Control-Staff-Name-8431';
const customers = [
  {
    name: 'Quentin Zarathustra',
    phone: '13712345678',
    email: 'quentin.zarathustra@example.org',
    account_id: 'ACCT7QXZ991',
    national_id: '440305198507161230',
    address: '广东省深圳市南山区,星河大道777号',
    birth_date: '1985-07-16',
    attributes: { favourite: 'ultramarine-kiwi' },
  },
  {
    name: '诸葛孔明',
    phone: '+86 186 6666 1234',
    email: 'kongming.zhuge@example.cn',
    account_id: 'ZHUGE0001',
  },
];

/** Every spelling of a seeded value that must not appear in storage. */
const needles = [
  'Quentin',
  'Zarathustra',
  '13712345678',
  '+8613712345678',
  'quentin.zarathustra',
  'ACCT7QXZ991',
  '440305198507161230',
  '星河大道',
  '1985-07-16',
  'ultramarine-kiwi',
  '诸葛孔明',
  '18666661234',
  'kongming.zhuge',
  'ZHUGE0001',
];

function findNeedles(haystack: Buffer): string[] {
  return needles.filter(
    (n) => haystack.includes(Buffer.from(n, 'utf8')) || haystack.includes(Buffer.from(n, 'utf16le')),
  );
}

for (const { dialect, skip } of await dialects()) {
  describe(`raw storage on ${dialect} holds no plaintext`, { skip }, () => {
    let t: TestCustos;
    before(async () => {
      t = await testCustos(dialect);
      for (const c of customers) await t.custos.vault.createCustomer(actor, c);
      const [first] = await t.custos.vault.search(actor, 'account_id', 'ACCT7QXZ991');
      await t.custos.vault.updateCustomer(actor, first?.id as string, {
        address: '广东省深圳市福田区,星河大道777号',
      });
      // A value stored in plaintext on purpose (staff names are not sealed), to prove the scan can fail.
      await t.custos.identity.staff.add([
        {
          id: 'control',
          displayName: CONTROL,
          email: 'control@custos.example',
          role: 'store',
          region: 'north',
          site: 'north-store-1',
          managerId: null,
          shift: 'day',
          status: 'active',
          createdAt: Date.now(),
        },
      ]);
    });
    after(async () => t?.cleanup());

    test('the seeded customers are really stored and readable with the key', async () => {
      const [found] = await t.custos.vault.search(actor, 'phone', '13712345678');
      const opened = await t.custos.vault.unsealFields(found?.id as string, ['name', 'national_id']);
      assert.deepEqual(opened, { name: 'Quentin Zarathustra', national_id: '440305198507161230' });
    });

    test('raw bytes contain none of them, though the scan finds a plaintext control value', () => {
      let raw: Buffer;
      if (dialect === 'sqlite') {
        const dir = t.database.dir as string;
        const files = readdirSync(dir).filter((f) => f.startsWith('custos.db'));
        assert.ok(files.includes('custos.db-wal'), 'the WAL is scanned too');
        raw = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
      } else {
        raw = execFileSync('pg_dump', ['--schema', t.database.schema as string, '--inserts', PG_URL], {
          maxBuffer: 64 << 20,
        });
        assert.ok(raw.includes(Buffer.from('CREATE TABLE')), 'the dump is real');
      }
      assert.ok(raw.length > 4096);
      assert.ok(raw.includes(Buffer.from(CONTROL)), 'the scan sees plaintext where there is some');
      assert.deepEqual(findNeedles(raw), []);
    });
  });
}
