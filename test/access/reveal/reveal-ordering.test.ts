/**
 * DESIGN.md §6.1 from the inside: no field is *opened* before the act's ledger entry is durable, and none is
 * opened at all when the append is refused — for a reveal (`customer.revealed`) and for an export run (one
 * `customer.exported` per customer). Tests that look only at what reaches the client cannot tell "opened
 * after the append" from "opened before, returned after"; here the ledger's append and the keyring's field
 * opening are both wrapped (test/support/ordering-spy.ts), and the order they ran in is what is checked.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { type OrderingSpy, spyOnAppendsAndOpens } from '../../support/ordering-spy.ts';

describe('the append resolves before any field is opened', () => {
  let f: AccessFixture;
  let spy: OrderingSpy;
  let staff: Staff;
  let security: Staff;
  let caseId: string;

  before(async () => {
    f = await accessFixture('sqlite');
    staff = await f.staff('support');
    security = await f.staff('security');
    caseId = await f.openCase(staff, await f.customer({ phone: '+86 138 0013 8111' }));
    spy = spyOnAppendsAndOpens(f.t, ['customer.revealed', 'customer.exported']);
  });
  after(async () => {
    spy?.restore();
    await f?.close();
  });
  beforeEach(() => {
    spy.events.length = 0;
    spy.refuse = false;
  });

  const reveal = (fields: string[]) =>
    f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, { fields, reason: 'customer asked at the counter' });
  const opens = () => spy.events.filter((e) => e.startsWith('open:'));

  /** An approved records export of two new customers' names and phones, ready to run. */
  const approvedExport = async () => {
    const asked = await f.send(staff, 'POST', '/v1/exports', {
      kind: 'records',
      purpose: 'service_notice',
      customerIds: [await f.customer(), await f.customer()],
      fields: ['name', 'phone'],
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal((await f.send(security, 'POST', `/v1/exports/${asked.body.id}/approve`)).status, 200);
    spy.events.length = 0;
    return asked.body.id as string;
  };

  test('a reveal opens its fields only after its entry is durable', async () => {
    const ok = await reveal(['phone', 'name']);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.revealed.phone, '+8613800138111');
    assert.deepEqual(spy.events.slice(0, 2), ['append:called', 'append:resolved'], spy.events.join(' '));
    assert.deepEqual(opens().sort(), ['open:name', 'open:phone']);
    assert.equal(spy.events.length, 4, spy.events.join(' '));
  });

  test('a reveal whose append is refused opens nothing and answers nothing', async () => {
    spy.refuse = true;
    const refused = await reveal(['phone', 'name']);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'LEDGER_UNAVAILABLE');
    assert.ok(!JSON.stringify(refused.body).includes('0013811'), 'no plaintext in the answer');
    assert.deepEqual(spy.events, ['append:called', 'append:refused'], 'no field opened');
  });

  test("an export run opens a record only after every customer's entry is durable", async () => {
    const id = await approvedExport();
    const ran = await f.send(staff, 'POST', `/v1/exports/${id}/run`);
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    assert.equal(ran.body.records.length, 2);
    const lastResolved = spy.events.lastIndexOf('append:resolved');
    const firstOpen = spy.events.findIndex((e) => e.startsWith('open:'));
    assert.equal(spy.events.filter((e) => e === 'append:resolved').length, 2, spy.events.join(' '));
    assert.ok(firstOpen > lastResolved, spy.events.join(' '));
    assert.equal(opens().length, 4);
  });

  test('an export run whose appends are refused opens nothing', async () => {
    const id = await approvedExport();
    spy.refuse = true;
    const refused = await f.send(staff, 'POST', `/v1/exports/${id}/run`);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.deepEqual(opens(), [], spy.events.join(' '));
  });
});
