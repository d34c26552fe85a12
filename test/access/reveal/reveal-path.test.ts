/**
 * The reveal path over HTTP: step-up freshness, quota windows in distinct customers, search quota, the
 * ledger entry written before the answer, break-glass with its alert and review, and the watcher's events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import type { BusEvent } from '../../../src/platform/bus.ts';
import { watcherObservesOnly } from '../../support/custos.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';

describe('reveal path', () => {
  let f: AccessFixture;
  let clockNow = Date.now();
  const clock = { now: () => clockNow };
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  const reveal = (who: Staff, caseId: string, fields: string[]) =>
    f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, { fields, reason: 'customer asked at the counter' });
  const stepUp = (who: Staff) =>
    f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });

  before(async () => {
    // Quota windows are filled by reveals with no customer present, which the watcher would contain first.
    f = await accessFixture('sqlite', { clock, risk: watcherObservesOnly });
    for (const type of ['access.decided', 'customer.revealed', 'alert.raised', 'case.opened'] as const) {
      f.t.custos.bus.subscribe(type, (event: BusEvent) => void events.push(event as never));
    }
  });
  after(() => f?.close());

  test('a reveal needs a fresh step-up, is ledgered before it answers, and tells the watcher', async () => {
    const staff = await f.staff('support');
    const customerId = await f.customer({ phone: '+86 138 0013 8000' });
    const caseId = await f.openCase(staff, customerId);
    const sizeBefore = f.t.custos.ledger.size();
    const ok = await reveal(staff, caseId, ['phone']);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.revealed, { phone: '+8613800138000' });
    assert.equal(ok.body.customer.fields.phone, '+86 138 **** 8000');
    const entries = [];
    for (let i = sizeBefore; i < f.t.custos.ledger.size(); i++)
      entries.push((await f.t.custos.ledger.entry(i)).entry);
    const revealed = entries.find((e) => e?.type === 'customer.revealed');
    assert.ok(revealed, 'the reveal is in the ledger');
    const data = revealed.data as { revealId: string; reason: string };
    assert.deepEqual(
      { ...data, revealId: undefined, reason: undefined },
      {
        customerId,
        caseId,
        fields: ['phone'],
        purpose: 'repair',
        revealId: undefined,
        reason: undefined,
        evidence: 'none',
      },
    );
    assert.equal(revealed.subject, customerId);
    assert.ok(!JSON.stringify(entries).includes('8000138'), 'no plaintext in the ledger');
    assert.ok(!JSON.stringify(entries).includes('counter'), 'the reason is sealed, not in plaintext');
    // The customer's key opens the reason (for their access history); nothing else does.
    const cipher = await f.t.custos.keyring.cipher(customerId);
    assert.equal(
      cipher?.open(`reveal-reason/${data.revealId}`, Buffer.from(data.reason, 'base64')),
      'customer asked at the counter',
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(events.some((e) => e.type === 'customer.revealed' && e.data.customerId === customerId));

    clockNow += 5 * 60_000 + 1000; // step-up window passes (session idle stays under 15 min)
    const stale = await reveal(staff, caseId, ['phone']);
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error.code, 'STEP_UP_REQUIRED');
    assert.ok(!JSON.stringify(stale.body).includes('8000138'));
    assert.equal((await stepUp(staff)).status, 204);
    assert.equal((await reveal(staff, caseId, ['phone'])).status, 200);
  });

  test('staff-initiated reveals have a budget of their own: 3 customers a day for a contractor', async () => {
    const staff = await f.staff('contractor');
    const cold = [];
    for (let i = 0; i < 4; i++) cold.push(await f.openCase(staff, await f.customer()));
    for (let i = 0; i < 3; i++) assert.equal((await reveal(staff, cold[i] as string, ['name'])).status, 200);
    // The same customer again costs nothing; a fourth is refused, and says how to do it right.
    assert.equal((await reveal(staff, cold[0] as string, ['phone'])).status, 200);
    const fourth = await reveal(staff, cold[3] as string, ['name']);
    assert.deepEqual(
      [fourth.status, fourth.body.error.code],
      [429, 'QUOTA_EXCEEDED'],
      JSON.stringify(fourth.body),
    );
    assert.match(fourth.body.error.message, /staff_initiated_day/);
    assert.match(
      fourth.body.error.message,
      /call in, ask through the portal, book a visit or give their code/,
    );
    // A customer who reads out their code is not staff-initiated: the reveal quota alone decides.
    const present = await f.customer();
    const { code } = await f.t.custos.access.presenceCodes.issue(
      { type: 'customer' as const, id: present },
      present,
    );
    const served = await f.openCase(staff, present, 'repair', { presenceCode: code });
    assert.equal((await reveal(staff, served, ['name'])).status, 200);
    // Four reveals running at once on a fresh day's budget: at most three get through.
    clockNow += 24 * 3_600_000 + 60_000;
    const other = await f.staff('contractor');
    const racing = [];
    for (let i = 0; i < 4; i++) racing.push(await f.openCase(other, await f.customer()));
    const answers = await Promise.all(racing.map((c) => reveal(other, c, ['name'])));
    assert.equal(
      answers.filter((a) => a.status === 200).length,
      3,
      JSON.stringify(answers.map((a) => a.status)),
    );
  });

  test('reveal quotas count distinct customers over hour, day and week at once', async () => {
    const staff = await f.staff('contractor'); // 8 an hour, 30 a day, 100 a week
    const customers = await Promise.all(Array.from({ length: 9 }, () => f.customer()));
    const cases = [];
    // The customers are present (their codes): staff-initiated reveals have a budget of their own (below).
    for (const c of customers) {
      const { code } = await f.t.custos.access.presenceCodes.issue({ type: 'customer' as const, id: c }, c);
      cases.push(await f.openCase(staff, c, 'repair', { presenceCode: code }));
    }
    for (let i = 0; i < 8; i++) assert.equal((await reveal(staff, cases[i] as string, ['name'])).status, 200);
    // Another field of a customer already counted costs nothing.
    assert.equal((await reveal(staff, cases[0] as string, ['phone'])).status, 200);
    const ninth = await reveal(staff, cases[8] as string, ['name']);
    assert.equal(ninth.status, 429);
    assert.equal(ninth.body.error.code, 'QUOTA_EXCEEDED');
    assert.match(ninth.body.error.message, /reveal_hour/);
    const raw = await f.app.inject({
      method: 'POST',
      url: `/v1/cases/${cases[8]}/reveal`,
      payload: { fields: ['name'], reason: 'customer asked at the counter' },
      headers: { authorization: `Bearer ${staff.token}` },
    });
    assert.equal(raw.statusCode, 429);
    assert.equal(raw.headers['retry-after'], '3600', 'Retry-After: the reveal_hour window at most');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      events.some(
        (e) =>
          e.type === 'access.decided' && e.data.staffId === staff.staffId && e.data.code === 'QUOTA_EXCEEDED',
      ),
      'the watcher is told',
    );
    // A raise per staff member lifts it: asked by an administrator, approved by security.
    const admin = await f.staff('admin');
    const asked = await f.send(admin, 'PUT', `/v1/staff/${staff.staffId}/quotas/reveal_hour`, { max: 9 });
    assert.equal(asked.status, 202);
    const approved = await f.send(
      await f.staff('security'),
      'POST',
      `/v1/quota-raises/${asked.body.id}/approve`,
    );
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal((await reveal(staff, cases[8] as string, ['name'])).status, 200);
  });

  test('search is exact, masked and limited per hour', async () => {
    const staff = await f.staff('store'); // 40 searches an hour
    const admin = await f.staff('admin');
    await f.send(admin, 'PUT', `/v1/staff/${staff.staffId}/quotas/search_hour`, { max: 3 });
    const customerId = await f.customer({ email: 'quota.search@example.com' });
    for (let i = 0; i < 3; i++) {
      const found = await f.send(staff, 'POST', '/v1/customers/search', {
        by: 'email',
        value: 'quota.search@example.com',
      });
      assert.equal(found.status, 200);
      assert.deepEqual(
        found.body.results.map((r: { id: string }) => r.id),
        [customerId],
      );
      assert.ok(!JSON.stringify(found.body).includes('quota.search@'));
    }
    const fourth = await f.send(staff, 'POST', '/v1/customers/search', {
      by: 'email',
      value: 'x@example.com',
    });
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error.code, 'QUOTA_EXCEEDED');
    for (const role of ['marketing', 'security', 'admin']) {
      const other = await f.staff(role);
      const refused = await f.send(other, 'POST', '/v1/customers/search', {
        by: 'email',
        value: 'x@example.com',
      });
      assert.equal(refused.status, 403, role);
    }
  });

  test('break-glass: reason and step-up, an immediate alert, access through its own case, review by security', async () => {
    const admin = await f.staff('admin');
    const security = await f.staff('security');
    const customerId = await f.customer({ phone: '+86 137 0013 7000' });
    const tooShort = await f.send(admin, 'POST', '/v1/break-glass', {
      customerId,
      purpose: 'repair',
      reason: 'x',
    });
    assert.equal(tooShort.status, 400);
    const opened = await f.send(admin, 'POST', '/v1/break-glass', {
      customerId,
      purpose: 'repair',
      reason: 'customer locked out during an outage, manager approved by phone',
    });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    assert.equal(opened.body.breakGlass, true);
    const caseId = opened.body.id as string;
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(events.some((e) => e.type === 'alert.raised' && e.data.staffId === admin.staffId));
    const alerts = await f.send(security, 'GET', '/v1/alerts');
    assert.equal(alerts.status, 200);
    assert.ok(
      alerts.body.alerts.some(
        (a: { kind: string; data: { caseId: string } }) =>
          a.kind === 'break_glass' && a.data.caseId === caseId,
      ),
    );
    assert.equal(
      (await f.send(admin, 'GET', '/v1/alerts')).status,
      403,
      'the admin cannot read the alerts about themself',
    );

    const shown = await reveal(admin, caseId, ['phone']);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.revealed.phone, '+8613700137000');
    const sensitive = await reveal(admin, caseId, ['national_id']);
    assert.equal(sensitive.status, 403, 'never the sensitive class under break-glass');

    const pending = await f.send(security, 'GET', '/v1/break-glass/reviews');
    assert.ok(
      pending.body.reviews.some((r: { id: string; overdue: boolean }) => r.id === caseId && !r.overdue),
    );
    assert.equal(
      (await f.send(admin, 'POST', `/v1/break-glass/${caseId}/review`, { outcome: 'justified' })).status,
      403,
    );
    assert.equal(
      (await f.send(security, 'POST', `/v1/break-glass/${caseId}/review`, { outcome: 'justified' })).status,
      204,
    );
    const twice = await f.send(security, 'POST', `/v1/break-glass/${caseId}/review`, {
      outcome: 'unjustified',
    });
    assert.equal(twice.body.error.code, 'ALREADY_REVIEWED');

    for (const role of ['contractor', 'marketing', 'security']) {
      const who = await f.staff(role);
      const refused = await f.send(who, 'POST', '/v1/break-glass', {
        customerId,
        purpose: 'repair',
        reason: 'trying to get in without a case',
      });
      assert.equal(refused.status, 403, role);
    }
  });

  test('presence codes: one use, own customer only, and identity cases need one', async () => {
    const staff = await f.staff('support');
    const customerId = await f.customer();
    const otherCustomer = await f.customer();
    const without = await f.send(staff, 'POST', '/v1/cases', {
      customerId,
      purpose: 'identity_check',
      channel: 'counter',
    });
    assert.equal(without.status, 403);
    assert.equal(without.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED');
    const { code } = await f.t.custos.access.presenceCodes.issue(
      { type: 'customer', id: customerId },
      customerId,
    );
    const wrongCustomer = await f.send(staff, 'POST', '/v1/cases', {
      customerId: otherCustomer,
      purpose: 'identity_check',
      channel: 'counter',
      presenceCode: code,
    });
    assert.equal(wrongCustomer.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED');
    const opened = await f.send(staff, 'POST', '/v1/cases', {
      customerId,
      purpose: 'identity_check',
      channel: 'counter',
      presenceCode: code,
    });
    assert.equal(opened.status, 201);
    assert.equal(opened.body.customerPresent, true);
    const reused = await f.send(staff, 'POST', '/v1/cases', {
      customerId,
      purpose: 'identity_check',
      channel: 'counter',
      presenceCode: code,
    });
    assert.equal(reused.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED');
    // The sensitive class still needs a second approver, even with the customer present.
    const sensitive = await reveal(staff, opened.body.id, ['national_id']);
    assert.equal(sensitive.status, 403);
    assert.equal((await reveal(staff, opened.body.id, ['account_id'])).status, 200);
  });

  test('closing a case ends access through it', async () => {
    const staff = await f.staff('store');
    const caseId = await f.openCase(staff, await f.customer());
    assert.equal((await f.send(staff, 'GET', `/v1/cases/${caseId}/customer`)).status, 200);
    const closed = await f.send(staff, 'POST', `/v1/cases/${caseId}/close`);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    const after = await f.send(staff, 'GET', `/v1/cases/${caseId}/customer`);
    assert.equal(after.status, 403);
    assert.equal(after.body.error.code, 'CASE_CLOSED');
  });
});

describe('sensitive class: a second person approves, once (PIPL art. 28)', () => {
  test('national ID: refused alone, revealed with an approval by security, the approval used once', async () => {
    const f = await accessFixture();
    try {
      const clerk = await f.staff('support');
      const security = await f.staff('security');
      const customerId = await f.customer({ national_id: '11010519491231002X' });
      const { code } = await f.t.custos.access.presenceCodes.issue(
        { type: 'customer', id: customerId },
        customerId,
      );
      const opened = await f.send(clerk, 'POST', '/v1/cases', {
        customerId,
        purpose: 'identity_check',
        channel: 'counter',
        presenceCode: code,
      });
      const caseId = opened.body.id as string;
      const body = { fields: ['national_id'], reason: 'customer proving identity at the counter' };
      const alone = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, body);
      assert.equal(alone.status, 403);

      const asked = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal-approvals`, body);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const approvalId = asked.body.id as string;
      const early = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, { ...body, approvalId });
      assert.equal(early.body.error.code, 'APPROVAL_REQUIRED', 'not approved yet');
      assert.equal((await f.send(clerk, 'POST', `/v1/reveal-approvals/${approvalId}/approve`)).status, 403);
      assert.equal(
        (await f.send(security, 'POST', `/v1/reveal-approvals/${approvalId}/approve`)).status,
        200,
      );

      const shown = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, { ...body, approvalId });
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.deepEqual(shown.body.revealed, { national_id: '11010519491231002X' });
      const again = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, { ...body, approvalId });
      assert.equal(again.status, 403, 'used once');
      assert.ok(!JSON.stringify(again.body).includes('1101051949'));

      const contractor = await f.staff('contractor');
      const theirCase = await f.openCase(contractor, customerId, 'repair');
      const contractorAsk = await f.send(contractor, 'POST', `/v1/cases/${theirCase}/reveal-approvals`, body);
      assert.equal(contractorAsk.status, 403, 'contractors never reach the sensitive class');
    } finally {
      await f.close();
    }
  });
});
