/** Registering a customer opens their case; a refused case creates no customer (nothing half-written). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessFixture, type AccessFixture } from '../../support/access-fixture.ts';

let f: AccessFixture;
before(async () => {
  f = await accessFixture();
});
after(() => f?.close());

test('a refused case leaves no customer behind', async () => {
  const clerk = await f.staff('store');
  const count = () => f.t.custos.vault.countCustomers();
  const before = await count();
  const customer = { name: 'Half Written', phone: '+86 136 0013 6000' };
  for (const [caseInput, status, code] of [
    [{ purpose: 'identity_check', channel: 'counter' }, 403, 'CUSTOMER_PRESENCE_REQUIRED'],
    [{ purpose: 'repair', channel: 'counter', presenceCode: '12345678' }, 400, 'VALIDATION_FAILED'],
    [
      { purpose: 'repair', channel: 'counter', assignees: ['01a20856-8bfa-73cd-b677-728695ea8377'] },
      404,
      'STAFF_NOT_FOUND',
    ],
    [{ purpose: 'repair', channel: 'counter', expiresInHours: 10_000 }, 400, 'VALIDATION_FAILED'],
  ] as const) {
    const res = await f.send(clerk, 'POST', '/v1/customers', { customer, case: caseInput });
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error.code, code);
    assert.equal(await count(), before, `${code}: no customer was created`);
  }
  const marketing = await f.staff('marketing');
  const refused = await f.send(marketing, 'POST', '/v1/customers', {
    customer,
    case: { purpose: 'repair', channel: 'counter' },
  });
  assert.equal(refused.status, 403);
  assert.equal(await count(), before);

  const ok = await f.send(clerk, 'POST', '/v1/customers', {
    customer,
    case: { purpose: 'repair', channel: 'counter' },
  });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.case.customerId, ok.body.customer.id);
  assert.deepEqual(ok.body.case.assignees, [clerk.staffId]);
  assert.equal(await count(), before + 1);
});
