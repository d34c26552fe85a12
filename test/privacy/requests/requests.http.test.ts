/**
 * People's requests over HTTP on both databases, under GDPR: a customer signed in to the portal (password
 * and TOTP) files requests and sees their status and due date; security lists them (ids and dates only)
 * and grants, fulfils, refuses or extends them (with a fresh second factor); an overdue request alerts security once. Attacked: another
 * customer's list, a staff token on the portal route and a customer token on the staff routes, a role the
 * policy does not allow, a refusal without a reason, a second extension, a decision replayed or raced, an
 * unknown id, a row edited to another jurisdiction (no extension under PIPL).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { portalCustomer as portalCustomerOf } from '../../support/portal-customer.ts';

const DAY = 86_400_000;

for (const { dialect, skip } of await dialects()) {
  describe(`customers' requests with deadlines (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.parse('2027-01-31T10:00:00Z'));
    let f: AccessFixture;
    let security: Staff;
    let support: Staff;

    before(async () => {
      f = await accessFixture(dialect, { clock, env: { CUSTOS_JURISDICTION: 'GDPR' } });
      security = await f.staff('security');
      support = await f.staff('support');
    });
    after(() => f?.close());

    const portalCustomer = () => portalCustomerOf(f, clock.now);
    /** Decide as `who`, with a fresh second factor (deciding needs one). */
    const decide = async (who: Staff, id: string, body: object) => {
      clock.advance(30_000); // a TOTP step not used yet
      await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      return f.send(who, 'POST', `/v1/privacy-requests/${id}/decision`, body);
    };

    test('filed on 31 January under GDPR: due by the end of 28 February; only its customer sees it', async () => {
      const alice = await portalCustomer();
      const bob = await portalCustomer();
      const filed = await alice.send('POST', '/v1/portal/privacy-requests', { kind: 'erasure' });
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
      assert.equal(filed.body.status, 'open');
      assert.equal(filed.body.jurisdiction, 'GDPR');
      assert.equal(filed.body.dueDate, '2027-02-28');
      assert.equal(filed.body.dueAt, '2027-03-01T00:00:00.000Z');
      const [entry] = (await ledgerEntries(f.t.custos, 'privacy_request.filed')).slice(-1);
      assert.deepEqual(entry?.data, {
        requestId: filed.body.id,
        customerId: alice.customerId,
        kind: 'erasure',
        jurisdiction: 'GDPR',
        dueAt: Date.parse('2027-03-01T00:00:00Z'),
      });
      assert.equal(entry?.actor.startsWith('customer:'), true);

      const mine = await alice.send('GET', '/v1/portal/privacy-requests');
      assert.deepEqual(
        mine.body.requests.map((r: { id: string }) => r.id),
        [filed.body.id],
      );
      const theirs = await bob.send('GET', '/v1/portal/privacy-requests');
      assert.deepEqual(theirs.body.requests, [], "another customer's requests are not in the list");

      const bad = await alice.send('POST', '/v1/portal/privacy-requests', { kind: 'sale' });
      assert.equal(bad.status, 400);
    });

    test('a staff token on the portal routes and a customer token on the staff routes are refused', async () => {
      const carol = await portalCustomer();
      for (const [method, url] of [
        ['GET', '/v1/portal/privacy-requests'],
        ['POST', '/v1/portal/privacy-requests'],
      ] as const) {
        const res = await f.send(security, method, url, method === 'POST' ? { kind: 'access' } : undefined);
        assert.ok(res.status === 401 || res.status === 403, `${method} ${url}: ${res.status}`);
      }
      const list = await carol.send('GET', '/v1/privacy-requests');
      assert.ok(list.status === 401 || list.status === 403, `list: ${list.status}`);
      const own = await carol.send('POST', '/v1/portal/privacy-requests', { kind: 'access' });
      const decided = await carol.send('POST', `/v1/privacy-requests/${own.body.id}/decision`, {
        outcome: 'fulfilled',
      });
      assert.ok(decided.status === 401 || decided.status === 403, `decide: ${decided.status}`);
      const denied = await f.send(support, 'GET', '/v1/privacy-requests');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'ACCESS_DENIED');
      const supportDecides = await decide(support, own.body.id, { outcome: 'fulfilled' });
      assert.equal(supportDecides.status, 403);
    });

    test('security lists pending requests with ids and dates only', async () => {
      const dave = await portalCustomer();
      const filed = await dave.send('POST', '/v1/portal/privacy-requests', { kind: 'export' });
      const res = await f.send(security, 'GET', '/v1/privacy-requests');
      assert.equal(res.status, 200);
      const row = res.body.requests.find((r: { id: string }) => r.id === filed.body.id);
      assert.deepEqual(Object.keys(row).sort(), [
        'customerId',
        'dueAt',
        'dueDate',
        'extended',
        'filedAt',
        'id',
        'jurisdiction',
        'kind',
        'overdue',
        'status',
      ]);
      assert.equal(row.customerId, dave.customerId);
      assert.ok(!JSON.stringify(res.body).includes(dave.email), 'no contact in the queue');
    });

    test('refusal needs a reason; extension once, to three months from receipt; the customer reads the reason', async () => {
      const erin = await portalCustomer();
      const filed = await erin.send('POST', '/v1/portal/privacy-requests', { kind: 'correction' });
      const id = filed.body.id as string;
      const noReason = await decide(security, id, { outcome: 'refused' });
      assert.equal(noReason.status, 400);
      assert.equal(noReason.body.error.code, 'REASON_REQUIRED');
      const blank = await decide(security, id, { outcome: 'extended', reason: '   ' });
      assert.equal(blank.body.error.code, 'REASON_REQUIRED');

      const reason = 'The correction needs records from the archive site';
      const extended = await decide(security, id, { outcome: 'extended', reason });
      assert.equal(extended.status, 200, JSON.stringify(extended.body));
      assert.equal(extended.body.status, 'extended');
      assert.equal(extended.body.dueDate, '2027-04-30');
      assert.equal(extended.body.extended, true);
      const [entry] = (await ledgerEntries(f.t.custos, 'privacy_request.decided')).slice(-1);
      assert.equal(entry?.data.reasonSha256, createHash('sha256').update(reason).digest('hex'));
      assert.equal(entry?.data.dueAt, Date.parse('2027-05-01T00:00:00Z'));
      assert.ok(!JSON.stringify(entry).includes('archive'), 'the reason is not in the ledger');
      const row = await f.t.custos.database.db
        .selectFrom('privacy_requests')
        .select('reason_sealed')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(
        !Buffer.from(row.reason_sealed as string, 'base64')
          .toString('latin1')
          .includes('archive'),
      );

      const again = await decide(security, id, {
        outcome: 'extended',
        reason: 'Still waiting for the archive',
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'EXTENSION_NOT_ALLOWED');

      const mine = await erin.send('GET', '/v1/portal/privacy-requests');
      assert.equal(mine.body.requests[0].reason, reason);
      assert.equal(mine.body.requests[0].dueDate, '2027-04-30');

      const refused = await decide(security, id, {
        outcome: 'refused',
        reason: 'The record is already correct',
      });
      assert.equal(refused.body.status, 'refused');
      const replayed = await decide(security, id, {
        outcome: 'refused',
        reason: 'The record is already correct',
      });
      assert.equal(replayed.status, 409);
      assert.equal(replayed.body.error.code, 'PRIVACY_REQUEST_DECIDED');
    });

    test('granted, then fulfilled as a separate act; two deciders racing: one wins', async () => {
      const fay = await portalCustomer();
      const gil = await portalCustomer();
      const a = (await fay.send('POST', '/v1/portal/privacy-requests', { kind: 'erasure' })).body.id;
      const granted = await decide(security, a, { outcome: 'granted' });
      assert.equal(granted.body.status, 'granted');
      assert.equal((await decide(security, a, { outcome: 'granted' })).status, 409);
      // Marked fulfilled by hand while the data is still there: refused (the customer would be told it is gone).
      const byHand = await decide(security, a, { outcome: 'fulfilled' });
      assert.equal(byHand.status, 409, JSON.stringify(byHand.body));
      assert.equal(byHand.body.error.code, 'ERASURE_NOT_DONE');
      assert.equal((await fay.send('GET', '/v1/portal/me/data')).status, 200, 'the data is still there');
      // The erasure itself fulfils it.
      clock.advance(30_000);
      await f.send(security, 'POST', '/v1/auth/step-up', { code: totp(security.secret, clock.now()) });
      const erased = await f.send(security, 'POST', `/v1/customers/${fay.customerId}/erasure`);
      assert.equal(erased.status, 200, JSON.stringify(erased.body));
      const request = await f.t.custos.database.db
        .selectFrom('privacy_requests')
        .select('status')
        .where('id', '=', a)
        .executeTakeFirst();
      assert.equal(request?.status, 'fulfilled');
      const access = (await gil.send('POST', '/v1/portal/privacy-requests', { kind: 'access' })).body.id;
      assert.equal((await decide(security, access, { outcome: 'fulfilled' })).body.status, 'fulfilled');

      const b = (await gil.send('POST', '/v1/portal/privacy-requests', { kind: 'objection' })).body.id;
      const other = await f.staff('security');
      const raced = await Promise.all([
        decide(security, b, { outcome: 'fulfilled' }),
        decide(other, b, { outcome: 'refused', reason: 'Processing is necessary for the contract' }),
      ]);
      assert.deepEqual(raced.map((r) => r.status).sort(), [200, 409]);

      assert.equal((await decide(security, randomUUID(), { outcome: 'fulfilled' })).status, 404);
      assert.equal((await decide(security, 'not-an-id', { outcome: 'fulfilled' })).status, 400);
    });

    test('a row edited to PIPL keeps that law: no extension', async () => {
      const gus = await portalCustomer();
      const id = (await gus.send('POST', '/v1/portal/privacy-requests', { kind: 'access' })).body.id;
      await f.t.custos.database.db
        .updateTable('privacy_requests')
        .set({ jurisdiction: 'PIPL' })
        .where('id', '=', id)
        .execute();
      const res = await decide(security, id, {
        outcome: 'extended',
        reason: 'We would like more time please',
      });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'EXTENSION_NOT_ALLOWED');
    });

    test('overdue requests alert security, once each; answered ones do not', async () => {
      const hal = await portalCustomer();
      const late = (await hal.send('POST', '/v1/portal/privacy-requests', { kind: 'objection' })).body;
      const answered = (await hal.send('POST', '/v1/portal/privacy-requests', { kind: 'access' })).body;
      assert.equal((await decide(security, answered.id, { outcome: 'fulfilled' })).status, 200);
      const requests = f.t.custos.rights.requests;
      assert.equal(await requests.raiseOverdueAlerts(), 0, 'nothing is due yet');
      clock.set(Date.parse(late.dueAt) - 1);
      assert.equal(await requests.raiseOverdueAlerts(), 0, 'the last millisecond is still in time');
      clock.set(Date.parse(late.dueAt));
      const raised = await requests.raiseOverdueAlerts();
      assert.ok(raised >= 1);
      const alerts = (await f.t.custos.watch.alerts.open()).filter(
        (a) => a.kind === 'privacy_request_overdue',
      );
      const ours = alerts.filter((a) => a.data.requestId === late.id);
      assert.equal(ours.length, 1);
      assert.equal(ours[0]?.subject, hal.customerId);
      assert.ok(!alerts.some((a) => a.data.requestId === answered.id), 'a fulfilled request is not overdue');
      clock.advance(DAY);
      assert.equal(await requests.raiseOverdueAlerts(), 0, 'each overdue request alerts once');
    });
  });
}
