/**
 * Staff trained before access (LAW.md row 19) over HTTP, on both databases: with CUSTOS_TRAINING_REQUIRED
 * on, a member whose record of the course is missing or expired is refused every act on customer data
 * (TRAINING_REQUIRED, ledgered as `access.denied`) and let through on the very next request once an
 * administrator or HR renews it. Attacked: an administrator recording their own training (over HTTP and
 * through an HR token they own), a clerk recording anyone's, a stale step-up, a token without the `hr`
 * scope, a record deleted in the database, malformed records. With the setting off nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../../support/access-fixture.ts';
import { watcherObservesOnly } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

for (const { dialect, skip } of await dialects()) {
  describe(`training required (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    let clockNow = Date.UTC(2026, 11, 14, 9);
    const clock = { now: () => clockNow };
    let admin: Staff;
    let clerk: Staff;
    let customerId: string;

    const stepUp = async (who: Staff) => {
      clockNow += 31_000;
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const record = (by: Staff, staffId: string, body: object) =>
      f.send(by, 'PUT', `/v1/staff/${staffId}/training`, body);
    /** An administrator records `who`'s training, current for `ttl` from now. */
    const train = async (who: Staff, ttl: number) => {
      await stepUp(admin);
      const res = await record(admin, who.staffId, {
        course: 'data_protection',
        completedAt: clockNow - DAY,
        expiresAt: clockNow + ttl,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const search = (who: Staff) =>
      f.send(who, 'POST', '/v1/customers/search', { by: 'email', value: 'nobody.here@example.com' });
    const openCase = (who: Staff) =>
      f.send(who, 'POST', '/v1/cases', { customerId, purpose: 'repair', channel: 'counter' });
    const refusedForTraining = (res: Reply, what: string) => {
      assert.equal(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'TRAINING_REQUIRED', what);
    };

    before(async () => {
      f = await accessFixture(dialect, {
        clock,
        env: { CUSTOS_TRAINING_REQUIRED: 'true' },
        risk: watcherObservesOnly,
      });
      admin = await f.staff('admin');
      clerk = await f.staff('support');
      customerId = await f.customer();
    });
    after(() => f?.close());

    test('without a record: search and case open are refused, ledgered, and the admin still works', async () => {
      const searched = await search(clerk);
      refusedForTraining(searched, 'search');
      assert.match(searched.body.error.message, /No data_protection training on record/);
      refusedForTraining(await openCase(clerk), 'case open');
      const denied = (await ledgerEntries(f.t.custos, 'access.denied')).filter(
        (e) => e.actor === `staff:${clerk.staffId}`,
      );
      assert.deepEqual(
        denied.map((e) => [e.data.action, e.data.code]),
        [
          ['search', 'TRAINING_REQUIRED'],
          ['case_open', 'TRAINING_REQUIRED'],
        ],
      );
      // The administrator has no training either: managing staff is not customer data.
      const listed = await f.send(admin, 'GET', `/v1/staff/${clerk.staffId}/training`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, []);
    });

    test('current training: view, search, case open and reveal; expired: each refused, then renewed', async () => {
      const recorded = await train(clerk, 10 * MINUTE);
      assert.equal(recorded.source, 'admin');
      const [entry] = (await ledgerEntries(f.t.custos, 'staff.training_recorded')).slice(-1);
      assert.deepEqual(entry?.data, {
        recordId: recorded.id,
        staffId: clerk.staffId,
        course: 'data_protection',
        completedAt: Date.parse(recorded.completedAt),
        expiresAt: Date.parse(recorded.expiresAt),
        source: 'admin',
      });
      const opened = await openCase(clerk);
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      const caseId = opened.body.id as string;
      assert.equal((await search(clerk)).status, 200);
      assert.equal((await f.send(clerk, 'GET', `/v1/cases/${caseId}/customer`)).status, 200);
      await stepUp(clerk);
      const reveal = () =>
        f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
          fields: ['phone'],
          reason: 'asked at the counter',
        });
      assert.equal((await reveal()).status, 200);
      // The member reads their own record.
      const own = await f.send(clerk, 'GET', `/v1/staff/${clerk.staffId}/training`);
      assert.equal(own.status, 200);
      assert.equal(own.body.length, 1);

      // Sessions outlive it (15 minutes idle): only the training has expired.
      clockNow = Date.parse(recorded.expiresAt);
      const before = (await ledgerEntries(f.t.custos, 'access.denied')).length;
      await stepUp(clerk);
      const revealed = await reveal();
      refusedForTraining(revealed, 'reveal');
      assert.match(revealed.body.error.message, /training expired on 20\d\d-/);
      refusedForTraining(await f.send(clerk, 'GET', `/v1/cases/${caseId}/customer`), 'view');
      refusedForTraining(await search(clerk), 'search');
      refusedForTraining(await openCase(clerk), 'case open');
      const denied = (await ledgerEntries(f.t.custos, 'access.denied')).slice(before);
      assert.deepEqual(
        denied.map((e) => [e.actor, e.data.action, e.data.code]),
        ['reveal', 'view', 'search', 'case_open'].map((a) => [
          `staff:${clerk.staffId}`,
          a,
          'TRAINING_REQUIRED',
        ]),
      );

      // Renewed by an administrator: the very next request is allowed.
      await train(clerk, 365 * DAY);
      assert.equal((await search(clerk)).status, 200);
      assert.equal((await openCase(clerk)).status, 201);
    });

    test('nobody records their own training; only an administrator, freshly stepped up', async () => {
      await stepUp(admin);
      const body = { course: 'data_protection', completedAt: clockNow - DAY, expiresAt: clockNow + DAY };
      const own = await record(admin, admin.staffId, body);
      assert.equal(own.status, 403);
      assert.equal(own.body.error.code, 'SAME_PERSON');
      await stepUp(clerk);
      const byClerk = await record(clerk, clerk.staffId, body);
      assert.equal(byClerk.status, 403);
      assert.equal(byClerk.body.error.code, 'FORBIDDEN');
      const other = await f.staff('store');
      const peer = await record(clerk, other.staffId, body);
      assert.equal(peer.body.error.code, 'FORBIDDEN');
      assert.equal((await f.send(clerk, 'GET', `/v1/staff/${other.staffId}/training`)).status, 403);
      clockNow += 6 * MINUTE;
      const stale = await record(admin, other.staffId, { ...body, completedAt: clockNow - DAY });
      assert.equal(stale.status, 401, JSON.stringify(stale.body));
      assert.equal(stale.body.error.code, 'STEP_UP_REQUIRED');
      await stepUp(admin);
      for (const bad of [
        { ...body, completedAt: clockNow + DAY, expiresAt: clockNow + 2 * DAY },
        { ...body, completedAt: clockNow - DAY, expiresAt: clockNow - 2 * DAY },
        { ...body, course: 'Data Protection' },
      ]) {
        const res = await record(admin, other.staffId, bad);
        assert.equal(res.status, 400, JSON.stringify(bad));
      }
      const nobody = await record(admin, '0190a6f0-0000-7000-8000-000000000000', body);
      assert.equal(nobody.body.error.code, 'STAFF_NOT_FOUND');
      assert.equal((await search(other)).body.error.code, 'TRAINING_REQUIRED');
    });

    test('break-glass and export requests are held too, even for an administrator who manages staff', async () => {
      const member = await f.staff('support');
      await stepUp(admin);
      const glass = await f.send(admin, 'POST', '/v1/break-glass', {
        customerId,
        purpose: 'repair',
        reason: 'Customer locked out during an outage, manager away',
      });
      refusedForTraining(glass, 'break-glass by an untrained administrator');
      const exportBody = {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [customerId],
        fields: ['name'],
      };
      await stepUp(member);
      refusedForTraining(await f.send(member, 'POST', '/v1/exports', exportBody), 'export request');
      // The same administrator, untrained, records the member's training: managing staff is not held.
      await train(member, DAY);
      await stepUp(member);
      const asked = await f.send(member, 'POST', '/v1/exports', exportBody);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const denied = (await ledgerEntries(f.t.custos, 'access.denied')).slice(-2);
      assert.deepEqual(
        denied.map((e) => [e.actor, e.data.action, e.data.code]),
        [
          [`staff:${admin.staffId}`, 'break_glass', 'TRAINING_REQUIRED'],
          [`staff:${member.staffId}`, 'export_request', 'TRAINING_REQUIRED'],
        ],
      );
    });

    test('an export approved while the requester was trained does not run once the training expired', async () => {
      const member = await f.staff('support');
      const approver = await f.staff('security');
      const trained = await train(member, 10 * MINUTE);
      await stepUp(member);
      const asked = await f.send(member, 'POST', '/v1/exports', {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [customerId],
        fields: ['name'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      await stepUp(approver);
      const approved = await f.send(approver, 'POST', `/v1/exports/${asked.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      // Sessions outlive it (15 minutes idle): only the training has expired.
      clockNow = Date.parse(trained.expiresAt);
      await stepUp(member);
      const ran = await f.send(member, 'POST', `/v1/exports/${asked.body.id}/run`);
      refusedForTraining(ran, 'export run after the training expired');
      assert.equal(ran.body.records, undefined);
      const exported = (await ledgerEntries(f.t.custos, 'customer.exported')).filter(
        (e) => e.data.exportId === asked.body.id,
      );
      assert.deepEqual(exported, []);
      // Renewed, the same approved export runs.
      await train(member, DAY);
      await stepUp(member);
      const renewed = await f.send(member, 'POST', `/v1/exports/${asked.body.id}/run`);
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      assert.equal(renewed.body.records.length, 1);
    });

    test('HR reports training with an hr token; another token, or about its own owner, is refused', async () => {
      const member = await f.staff('store');
      await stepUp(admin);
      const hr = await f.send(admin, 'POST', '/v1/api-tokens', { label: 'hr feed', scopes: ['hr'] });
      assert.equal(hr.status, 201, JSON.stringify(hr.body));
      await stepUp(admin);
      const invites = await f.send(admin, 'POST', '/v1/api-tokens', {
        label: 'invites',
        scopes: ['staff_invite'],
      });
      const signal = async (token: string, body: object) => {
        const res = await f.app.inject({
          method: 'POST',
          url: '/v1/integrations/hr-signals',
          headers: { authorization: `Bearer ${token}` },
          payload: body,
        });
        return { status: res.statusCode, body: res.json() };
      };
      const body = {
        staffId: member.staffId,
        signal: 'training_completed',
        course: 'data_protection',
        effectiveAt: clockNow - DAY,
        expiresAt: clockNow + 90 * DAY,
      };
      const wrongScope = await signal(invites.body.token, body);
      assert.equal(wrongScope.status, 403);
      refusedForTraining(await search(member), 'before HR reports');
      const missing = await signal(hr.body.token, { ...body, expiresAt: undefined });
      assert.equal(missing.status, 400);
      const self = await signal(hr.body.token, { ...body, staffId: admin.staffId });
      assert.equal(self.body.error.code, 'SAME_PERSON');
      const ok = await signal(hr.body.token, body);
      assert.equal(ok.status, 202, JSON.stringify(ok.body));
      assert.equal((await search(member)).status, 200);
      // A replay answers the first record and writes nothing.
      const entries = (await ledgerEntries(f.t.custos, 'staff.training_recorded')).length;
      assert.deepEqual(await signal(hr.body.token, body), ok);
      assert.equal((await ledgerEntries(f.t.custos, 'staff.training_recorded')).length, entries);
      const listed = await f.send(admin, 'GET', `/v1/staff/${member.staffId}/training`);
      assert.deepEqual(
        listed.body.map((r: { source: string; id: string }) => [r.source, r.id]),
        [['hr', ok.body.signalId]],
      );

      // Read on every request: a record deleted in the database stops access on the next one.
      await f.t.custos.database.db
        .deleteFrom('staff_training')
        .where('staff_id', '=', member.staffId)
        .execute();
      refusedForTraining(await search(member), 'after the record is deleted');
    });
  });

  describe(`training not required (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    before(async () => {
      f = await accessFixture(dialect, { risk: watcherObservesOnly });
    });
    after(() => f?.close());

    test('a member with no training record views, searches, opens a case and reveals', async () => {
      const clerk = await f.staff('support');
      const customerId = await f.customer();
      const caseId = await f.openCase(clerk, customerId);
      assert.equal((await f.send(clerk, 'GET', `/v1/cases/${caseId}/customer`)).status, 200);
      const searched = await f.send(clerk, 'POST', '/v1/customers/search', {
        by: 'email',
        value: 'x@example.com',
      });
      assert.equal(searched.status, 200);
      const revealed = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone'],
        reason: 'asked at the counter',
      });
      assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
    });
  });
}
