/**
 * Correction in the portal, attacked (review of step 7): someone holding a customer's fresh session replaces
 * the email or phone on their record. A clerk's change of a contact tells the old one; the customer's own
 * correction must too, or the takeover is silent and later notices (reveal notices, request answers) go to
 * the new contact unnoticed. The notice names no new value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessFixture, type AccessFixture } from '../support/access-fixture.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';
import { portalCustomer } from '../support/portal-customer.ts';

describe('a portal correction of a contact', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite');
  });
  after(() => f?.close());

  const contactNotices = async (customerId: string) =>
    (await ledgerEntries(f.t.custos, 'notification.queued'))
      .map((e) => e.data as { customerId: string; channel: string; kind: string })
      .filter((d) => d.customerId === customerId && d.kind === 'contact_changed');

  test('tells the old email, naming no new value; a name correction tells no one', async () => {
    const c = await portalCustomer(f, Date.now);
    const named = await c.send('PATCH', '/v1/portal/me/data', { changes: { name: 'Another Name' } });
    assert.equal(named.status, 200, JSON.stringify(named.body));
    assert.deepEqual(await contactNotices(c.customerId), []);

    const swapped = await c.send('PATCH', '/v1/portal/me/data', {
      changes: { email: 'Attacker.Box@example.net' },
    });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    assert.deepEqual(
      (await contactNotices(c.customerId)).map((d) => d.channel),
      ['email'],
      'the old address is told',
    );
    await f.t.deliver();
    const told = f.t.smtp
      .to(c.email)
      .filter((m) => m.raw.includes('Subject: Your contact details were changed'));
    assert.equal(told.length, 1, 'the old address is told over SMTP');
    assert.ok(!told[0]!.raw.toLowerCase().includes('attacker.box'), 'the notice names no new value');
    assert.equal(f.t.smtp.to('attacker.box@example.net').length, 0);
  });

  test('once a message is sent, the old contact it went to is not kept, even sealed', async () => {
    const c = await portalCustomer(f, Date.now);
    const swapped = await c.send('PATCH', '/v1/portal/me/data', {
      changes: { email: 'kept.not@example.net' },
    });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    await f.t.deliver();
    const rows = await f.t.custos.database.db
      .selectFrom('outbox_messages')
      .select(['status', 'recipient_sealed', 'params_sealed'])
      .where('customer_id', '=', c.customerId)
      .execute();
    assert.ok(
      rows.length > 0 && rows.every((r) => r.status === 'sent'),
      JSON.stringify(rows.map((r) => r.status)),
    );
    for (const row of rows) {
      assert.equal(row.recipient_sealed, null, 'no sealed address left on a sent message');
      assert.equal(row.params_sealed, null, 'no sealed parameters (tokens) left on a sent message');
    }
  });
});
