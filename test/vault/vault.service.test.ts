/** The vault on both dialects: create, masked read, correction, exact search, duplicates, bad input. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/platform/actor.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const actor: Actor = { type: 'api-token', id: 'test' };
const zhang = {
  name: 'Zhang Wei',
  phone: '138 0013 8000',
  email: 'Wei.Zhang@Example.com',
  account_id: 'MI0000000001',
  national_id: '11010519491231002X',
  address: '北京市朝阳区,建国路88号',
  birth_date: '1949-12-31',
  attributes: { tier: 'gold' },
};

for (const { dialect, skip } of await dialects()) {
  describe(`vault on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    before(async () => {
      t = await testCustos(dialect);
    });
    after(async () => t?.cleanup());

    test('create returns the masked view and nothing else', async () => {
      const view = await t.custos.vault.createCustomer(actor, zhang);
      assert.deepEqual(view.fields, {
        name: 'Z** W**',
        phone: '+86 138 **** 8000',
        email: 'w***@example.com',
        account_id: '****0001',
        national_id: '******************',
        address: '北京市 ***',
        birth_date: '1949-**-**',
      });
      assert.deepEqual(view.attributes, { tier: '***' });
      assert.equal(view.classes.national_id, 'sensitive');
      assert.equal(view.version, 1);
      const again = await t.custos.vault.getMasked(actor, view.id);
      assert.deepEqual(again, view);
      const plain = await t.custos.vault.unsealFields(view.id, ['phone', 'email', 'attributes']);
      assert.deepEqual(plain, {
        phone: '+8613800138000',
        email: 'wei.zhang@example.com',
        attributes: { tier: 'gold' },
      });
    });

    test('exact search by every searchable field, however the value is spelt', async () => {
      const byPhone = await t.custos.vault.search(actor, 'phone', '+86 138-0013-8000');
      assert.equal(byPhone.length, 1);
      assert.equal(byPhone[0]?.fields.name, 'Z** W**');
      assert.equal((await t.custos.vault.search(actor, 'email', 'WEI.ZHANG@example.com')).length, 1);
      assert.equal((await t.custos.vault.search(actor, 'account_id', 'mi0000000001')).length, 1);
      assert.equal((await t.custos.vault.search(actor, 'national_id', '11010519491231002x')).length, 1);
      assert.equal((await t.custos.vault.search(actor, 'phone', '13900139000')).length, 0);
      await assert.rejects(t.custos.vault.search(actor, 'name', 'Zhang Wei'), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
      await assert.rejects(t.custos.vault.search(actor, 'phone', 'nope'), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
    });

    test('correction replaces values, masks and indexes; clearing works; stale versions conflict', async () => {
      const [found] = await t.custos.vault.search(actor, 'account_id', 'MI0000000001');
      assert.ok(found);
      const updated = await t.custos.vault.updateCustomer(
        actor,
        found.id,
        { phone: '13900139000', address: null },
        1,
      );
      assert.equal(updated.version, 2);
      assert.equal(updated.fields.phone, '+86 139 **** 9000');
      assert.equal(updated.fields.address, undefined);
      assert.equal(updated.fields.name, 'Z** W**', 'unchanged fields keep their masks');
      assert.equal((await t.custos.vault.search(actor, 'phone', '13800138000')).length, 0, 'old index gone');
      assert.equal((await t.custos.vault.search(actor, 'phone', '13900139000')).length, 1);
      assert.deepEqual(await t.custos.vault.unsealFields(found.id, ['phone', 'address']), {
        phone: '+8613900139000',
        address: null,
      });
      await assert.rejects(
        t.custos.vault.updateCustomer(actor, found.id, { email: 'x@example.com' }, 1),
        (e) => isCustosError(e, 'VERSION_CONFLICT'),
      );
      await assert.rejects(t.custos.vault.updateCustomer(actor, found.id, { name: null }), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
    });

    test('clearing a searchable field or the attributes leaves no index and nothing sealed behind', async () => {
      const db = t.custos.database.db;
      const stored = (id: string) =>
        db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const created = await t.custos.vault.createCustomer(actor, {
        name: 'Clear Me',
        phone: '13722223333',
        attributes: { tier: 'gold', shop: 'north' },
      });

      const renamed = await t.custos.vault.updateCustomer(actor, created.id, { name: 'Clear Me Too' });
      assert.deepEqual(renamed.attributes, { tier: '***', shop: '***' }, 'untouched attributes keep masks');
      assert.deepEqual((await t.custos.vault.getMasked(actor, created.id)).attributes, renamed.attributes);

      const cleared = await t.custos.vault.updateCustomer(actor, created.id, {
        phone: null,
        attributes: null,
      });
      assert.equal(cleared.fields.phone, undefined);
      assert.deepEqual(cleared.attributes, {});
      const row = await stored(created.id);
      assert.equal(row.phone_sealed, null);
      assert.equal(row.phone_bidx, null, 'a cleared field leaves no index to match');
      assert.equal(row.attributes_sealed, null);
      assert.equal((await t.custos.vault.search(actor, 'phone', '13722223333')).length, 0);
      assert.deepEqual(await t.custos.vault.unsealFields(created.id, ['phone', 'attributes']), {
        phone: null,
        attributes: null,
      });

      // An empty map clears as null does: nothing sealed, nothing to open.
      await t.custos.vault.updateCustomer(actor, created.id, { attributes: { tier: 'silver' } });
      const emptied = await t.custos.vault.updateCustomer(actor, created.id, { attributes: {} });
      assert.deepEqual(emptied.attributes, {});
      assert.equal((await stored(created.id)).attributes_sealed, null);
      assert.deepEqual(await t.custos.vault.unsealFields(created.id, ['attributes']), { attributes: null });
    });

    test('a second customer with the same account ID is refused, and nothing is half-written', async () => {
      const before = await t.custos.vault.countCustomers();
      await assert.rejects(
        t.custos.vault.createCustomer(actor, { name: 'Other', account_id: 'MI0000000001' }),
        (e) => isCustosError(e, 'DUPLICATE_CUSTOMER'),
      );
      assert.equal(await t.custos.vault.countCustomers(), before);
    });

    test('bad input is refused with every problem named and no value echoed', async () => {
      await assert.rejects(
        t.custos.vault.createCustomer(actor, { phone: '12345', email: 'secret-but-bad', colour: 'blue' }),
        (e) => {
          assert.ok(isCustosError(e, 'VALIDATION_FAILED'));
          const paths = (e.details ?? []).map((d) => d.path).sort();
          assert.deepEqual(paths, ['colour', 'email', 'name', 'phone']);
          assert.ok(!e.message.includes('secret-but-bad') && !e.message.includes('12345'));
          return true;
        },
      );
    });

    test("a sealed value copied into another customer's row, or into another field, does not open", async () => {
      const db = t.custos.database.db;
      const a = await t.custos.vault.createCustomer(actor, { name: 'Copy Source', phone: '13511112222' });
      const b = await t.custos.vault.createCustomer(actor, { name: 'Copy Target', phone: '13533334444' });
      const row = await db
        .selectFrom('customers')
        .selectAll()
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      await db
        .updateTable('customers')
        .set({ phone_sealed: row.phone_sealed })
        .where('id', '=', b.id)
        .execute();
      await assert.rejects(t.custos.vault.unsealFields(b.id, ['phone']), (e) =>
        isCustosError(e, 'SEALED_VALUE_INVALID'),
      );
      await db
        .updateTable('customers')
        .set({ email_sealed: row.phone_sealed })
        .where('id', '=', a.id)
        .execute();
      await assert.rejects(t.custos.vault.unsealFields(a.id, ['email']), (e) =>
        isCustosError(e, 'SEALED_VALUE_INVALID'),
      );
      assert.deepEqual(
        await t.custos.vault.unsealFields(a.id, ['phone']),
        { phone: '+8613511112222' },
        'the original still opens',
      );
      await db
        .updateTable('customers')
        .set({ masked_sealed: row.masked_sealed })
        .where('id', '=', b.id)
        .execute();
      await assert.rejects(t.custos.vault.getMasked(actor, b.id), (e) =>
        isCustosError(e, 'SEALED_VALUE_INVALID'),
      );
    });

    test('ids that are not ours, injection attempts included, are simply not found', async () => {
      for (const id of ["' OR 1=1 --", '00000000-0000-7000-8000-000000000000', '1; drop table customers']) {
        await assert.rejects(t.custos.vault.getMasked(actor, id), (e) =>
          isCustosError(e, 'CUSTOMER_NOT_FOUND'),
        );
      }
      await assert.rejects(t.custos.vault.search(actor, 'account_id', "MI1' OR '1'='1"), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
      assert.ok((await t.custos.vault.countCustomers()) >= 1, 'the table is still there');
    });

    test('events are published for every act', async () => {
      const seen: string[] = [];
      const off = t.custos.bus.subscribe('customer.viewed', (e) => {
        seen.push(e.data.customerId);
      });
      const view = await t.custos.vault.createCustomer(actor, { name: '李娜' });
      await t.custos.vault.getMasked(actor, view.id);
      await new Promise((r) => setImmediate(r));
      off();
      assert.deepEqual(seen, [view.id]);
    });
  });
}
