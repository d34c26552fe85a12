/**
 * Erasure raced with acts on the same customer that were already under way (review of step 7): a staff
 * reveal that loaded the customer before the erasure must not hand out their plaintext once the erasure's
 * tombstone is in the ledger — it answers CUSTOMER_NOT_FOUND, never a 500 and never the values.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Ledger } from '../../src/ledger/ledger.service.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';

describe('erasure raced with a reveal in flight', () => {
  let f: AccessFixture;
  let staff: Staff;
  let officer: Staff;

  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    staff = await f.staff('support');
    officer = await f.staff('security');
  });
  after(async () => f?.close());

  test('a reveal whose entry lands after the tombstone opens nothing', async () => {
    const customerId = await f.customer({ phone: '+86 138 0013 8222' });
    const caseId = await f.openCase(staff, customerId);
    const ledger = f.t.custos.ledger as { append: Ledger['append'] };
    const append = ledger.append;
    const erasures: number[] = [];
    // The officer's erasure runs while the reveal is between loading the customer and its entry.
    ledger.append = (async (input: Parameters<Ledger['append']>[0]) => {
      if (input.type === 'customer.revealed' && erasures.length === 0) {
        const erased = await f.send(officer, 'POST', `/v1/customers/${customerId}/erasure`);
        erasures.push(erased.status);
      }
      return append(input);
    }) as Ledger['append'];
    try {
      const reveal = await f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone', 'name'],
        reason: 'customer asked at the counter',
      });
      assert.deepEqual(erasures, [200], 'the erasure ran in the middle');
      assert.ok(!JSON.stringify(reveal.body).includes('0013822'), JSON.stringify(reveal.body));
      assert.equal(reveal.status, 404, JSON.stringify(reveal.body));
      assert.equal(reveal.body.error.code, 'CUSTOMER_NOT_FOUND');
    } finally {
      ledger.append = append;
    }
  });
});

describe('erasure raced with placing a legal hold', () => {
  let f: AccessFixture;
  let officer: Staff;
  let colleague: Staff;

  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    officer = await f.staff('security');
    colleague = await f.staff('security');
  });
  after(async () => f?.close());

  test('a hold whose customer was erased meanwhile is not answered as held', async () => {
    const customerId = await f.customer();
    const ledger = f.t.custos.ledger as { append: Ledger['append'] };
    const append = ledger.append;
    const erasures: number[] = [];
    // A colleague's erasure lands between the hold's checks and its write.
    ledger.append = (async (input: Parameters<Ledger['append']>[0]) => {
      if (input.type === 'legal_hold.placed' && erasures.length === 0) {
        erasures.push((await f.send(colleague, 'POST', `/v1/customers/${customerId}/erasure`)).status);
      }
      return append(input);
    }) as Ledger['append'];
    try {
      const placed = await f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, {
        reason: 'Court order 2026-78: keep until the proceedings end',
      });
      assert.deepEqual(erasures, [200], 'the erasure ran in the middle');
      assert.equal(placed.status, 404, JSON.stringify(placed.body));
      assert.equal(placed.body.error.code, 'CUSTOMER_NOT_FOUND');
      assert.equal(
        await f.t.custos.database.db.selectFrom('legal_holds').select('customer_id').executeTakeFirst(),
        undefined,
      );
    } finally {
      ledger.append = append;
    }
  });
});

describe('a legal hold deleted in the database', () => {
  let f: AccessFixture;
  let officer: Staff;

  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    officer = await f.staff('security');
  });
  after(async () => f?.close());

  test('a DBA who deletes the hold row does not open the way to erasure: the ledger still says held', async () => {
    const customerId = await f.customer();
    const placed = await f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, {
      reason: 'Court order 2026-79: keep until the proceedings end',
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    await f.t.custos.database.db.deleteFrom('legal_holds').where('customer_id', '=', customerId).execute();
    const erased = await f.send(officer, 'POST', `/v1/customers/${customerId}/erasure`);
    assert.equal(erased.status, 409, JSON.stringify(erased.body));
    assert.equal(erased.body.error.code, 'LEGAL_HOLD');
    assert.equal(await f.t.custos.vault.exists(customerId), true, 'the held data is still there');

    // Placed again and lifted by the officer, on the record: erasure goes ahead.
    await f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, { reason: 'Court order 2026-79' });
    assert.equal((await f.send(officer, 'DELETE', `/v1/customers/${customerId}/legal-hold`)).status, 200);
    assert.equal((await f.send(officer, 'POST', `/v1/customers/${customerId}/erasure`)).status, 200);
  });
});
