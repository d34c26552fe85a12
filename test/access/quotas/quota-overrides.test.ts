/** Quota overrides over HTTP: admin only, bad input refused with a code, ledgered before it applies. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';

describe('quota overrides', () => {
  let f: AccessFixture;
  let admin: Staff;
  let clerk: Staff;
  before(async () => {
    f = await accessFixture('sqlite');
    admin = await f.staff('admin');
    clerk = await f.staff('store');
  });
  after(() => f?.close());

  const put = (who: Staff, staffId: string, quota: string, body: object) =>
    f.send(who, 'PUT', `/v1/staff/${staffId}/quotas/${quota}`, body);

  test('an administrator sets one quota of one staff member; it is ledgered and in force', async () => {
    const set = await put(admin, clerk.staffId, 'reveal_day', { max: 0 });
    assert.equal(set.status, 204, JSON.stringify(set.body));
    const entries = await ledgerEntries(f.t.custos, 'quota.set');
    assert.deepEqual(entries.at(-1)?.data, { staffId: clerk.staffId, quota: 'reveal_day', max: 0 });
    assert.equal(entries.at(-1)?.actor, `staff:${admin.staffId}`);
    const limits = await f.t.custos.access.quotas.limitsFor({ staffId: clerk.staffId, role: 'store' });
    assert.equal(limits.reveal_day, 0);
  });

  test('anyone else is refused, and the refusal is ledgered', async () => {
    const res = await put(clerk, clerk.staffId, 'reveal_day', { max: 1000 });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'ACCESS_DENIED');
    const denied = await ledgerEntries(f.t.custos, 'access.denied');
    assert.equal(denied.at(-1)?.data.action, 'staff_manage');
    assert.equal(denied.at(-1)?.actor, `staff:${clerk.staffId}`);
  });

  test('bad input gets a 4xx with a code and writes nothing', async () => {
    const before = (await ledgerEntries(f.t.custos, 'quota.set')).length;
    for (const [staffId, quota, body, status, code] of [
      [clerk.staffId, 'reveal_year', { max: 1 }, 400, 'VALIDATION_FAILED'],
      [clerk.staffId, 'reveal_day', { max: -1 }, 400, 'VALIDATION_FAILED'],
      [clerk.staffId, 'reveal_day', { max: 1.5 }, 400, 'VALIDATION_FAILED'],
      ['01a20856-8bfa-73cd-b677-728695ea8377', 'reveal_day', { max: 1 }, 404, 'STAFF_NOT_FOUND'],
      ['not-a-uuid', 'reveal_day', { max: 1 }, 400, 'VALIDATION_FAILED'],
      ['01A20856-8BFA-73CD-B677-728695EA8377', 'reveal_day', { max: 1 }, 400, 'VALIDATION_FAILED'],
    ] as const) {
      const res = await put(admin, staffId, quota, body);
      assert.equal(res.status, status, `${staffId} ${quota} ${JSON.stringify(body)}`);
      assert.equal(res.body.error.code, code);
    }
    assert.equal((await ledgerEntries(f.t.custos, 'quota.set')).length, before);
  });
});
