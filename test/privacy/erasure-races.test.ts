/**
 * Erasure raced with acts on the same customer that were already under way, and a legal hold edited away in
 * the database (review of step 7): a staff reveal that loaded the customer before the erasure must not hand
 * out their plaintext once the erasure's tombstone is in the ledger (CUSTOMER_NOT_FOUND, never a 500); a
 * hold placed as the customer is erased is not answered as held; a hold row deleted by a database
 * administrator does not open the way to erasure while the ledger says the hold stands.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Ledger } from '../../src/ledger/ledger.service.ts';
import { CustosError } from '../../src/platform/errors.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { portalCustomer } from '../support/portal-customer.ts';

describe('erasure races and legal holds', () => {
  let f: AccessFixture;
  let staff: Staff;
  let officer: Staff;
  let colleague: Staff;

  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    staff = await f.staff('support');
    officer = await f.staff('security');
    colleague = await f.staff('security');
  });
  after(async () => f?.close());

  /**
   * Run `act` while a colleague erases `customerId` just before the first append of an entry of `type`
   * (the act has read the customer already); returns the act's reply and the erasure's status.
   */
  async function erasedDuring<R>(type: string, customerId: string, act: () => Promise<R>) {
    const ledger = f.t.custos.ledger as { append: Ledger['append'] };
    const append = ledger.append;
    const erasures: number[] = [];
    ledger.append = (async (input: Parameters<Ledger['append']>[0]) => {
      if (input.type === type && erasures.length === 0) {
        erasures.push((await f.send(colleague, 'POST', `/v1/customers/${customerId}/erasure`)).status);
      }
      return append(input);
    }) as Ledger['append'];
    try {
      return { reply: await act(), erasures };
    } finally {
      ledger.append = append;
    }
  }

  test('a reveal whose entry lands after the tombstone opens nothing', async () => {
    const customerId = await f.customer({ phone: '+86 138 0013 8222' });
    const caseId = await f.openCase(staff, customerId);
    const { reply, erasures } = await erasedDuring('customer.revealed', customerId, () =>
      f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone', 'name'],
        reason: 'customer asked at the counter',
      }),
    );
    assert.deepEqual(erasures, [200], 'the erasure ran in the middle');
    assert.ok(!JSON.stringify(reply.body).includes('0013822'), JSON.stringify(reply.body));
    assert.equal(reply.status, 404, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, 'CUSTOMER_NOT_FOUND');
  });

  test('a hold whose customer was erased meanwhile is not answered as held', async () => {
    const customerId = await f.customer();
    const { reply, erasures } = await erasedDuring('legal_hold.placed', customerId, () =>
      f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, {
        reason: 'Court order 2026-78: keep until the proceedings end',
      }),
    );
    assert.deepEqual(erasures, [200], 'the erasure ran in the middle');
    assert.equal(reply.status, 404, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, 'CUSTOMER_NOT_FOUND');
    const row = await f.t.custos.database.db
      .selectFrom('legal_holds')
      .select('customer_id')
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
    assert.equal(row, undefined, 'no hold left on an erased customer');
  });

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

    // A placement whose act failed (act.failed names it) holds nothing.
    const other = await f.customer();
    await sql`create trigger no_holds before insert on legal_holds begin select raise(abort, 'refused'); end`.execute(
      f.t.custos.database.db,
    );
    const failed = await f.send(officer, 'PUT', `/v1/customers/${other}/legal-hold`, {
      reason: 'Court order 2026-80',
    });
    await sql`drop trigger no_holds`.execute(f.t.custos.database.db);
    assert.equal(failed.status, 500, JSON.stringify(failed.body));
    assert.equal((await f.send(officer, 'POST', `/v1/customers/${other}/erasure`)).status, 200);

    // Placed again and lifted by the officer, on the record: erasure goes ahead.
    await f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, { reason: 'Court order 2026-79' });
    assert.equal((await f.send(officer, 'DELETE', `/v1/customers/${customerId}/legal-hold`)).status, 200);
    assert.equal((await f.send(officer, 'POST', `/v1/customers/${customerId}/erasure`)).status, 200);
  });
});

describe('an erasure interrupted after its deletion', () => {
  let f: AccessFixture;
  let officer: Staff;

  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    officer = await f.staff('security');
  });
  after(async () => f?.close());

  test('is finished by asking again: the portal account and the open case do not outlive it', async () => {
    const c = await portalCustomer(f, Date.now);
    const cases = f.t.custos.access.cases as { closeAllForErasure: (...a: never[]) => Promise<number> };
    const closeAll = cases.closeAllForErasure;
    cases.closeAllForErasure = async () => {
      throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger refused the append');
    };
    try {
      const failed = await f.send(officer, 'POST', `/v1/customers/${c.customerId}/erasure`);
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
    } finally {
      cases.closeAllForErasure = closeAll;
    }
    assert.equal(await f.t.custos.vault.exists(c.customerId), false, 'the deletion was done');
    const again = await f.send(officer, 'POST', `/v1/customers/${c.customerId}/erasure`);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.portalAccountErased, true);
    assert.equal((await c.send('GET', '/v1/portal/me/data')).status, 401, 'the portal account is gone');
    const open = await f.t.custos.database.db
      .selectFrom('cases')
      .select('id')
      .where('customer_id', '=', c.customerId)
      .where('status', '=', 'open')
      .execute();
    assert.deepEqual(open, [], 'no case left open');
    const never = await f.send(officer, 'POST', `/v1/customers/${randomUUID()}/erasure`);
    assert.equal(never.status, 404, 'a customer who never was is still not found');
  });
});
