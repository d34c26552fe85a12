/**
 * Portal requests and appointments as evidence, over HTTP on both databases: a customer signed in to the
 * portal asks to be contacted or books a visit, and a reveal through the case that follows carries
 * `portal_request` or `appointment` evidence in its ledger entry (the watcher scores nothing for it).
 * Attacked: a clerk binding another customer's request, taking one twice (also racing), guessing an id,
 * taking a request for another site or an expired one, pointing a request at a case by a direct database
 * edit; a customer creating or booking for someone else, or cancelling another's appointment; staff booking;
 * a case at another site, outside the appointment's window, or after a cancellation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { evidenceOf } from '../../../src/access/cases/case-state.ts';
import { PORTAL_REQUEST_TTL_MS } from '../../../src/access/cases/portal-requests.service.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { portalCustomer as signInPortal } from '../../support/portal-customer.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';

const MINUTE = 60_000;

test('evidenceOf ranks presence code, inbound call, portal request, appointment, none', () => {
  const absent = { customerPresent: false };
  assert.equal(
    evidenceOf({ customerPresent: true }, { inboundCall: true, portalRequest: true, appointment: true }),
    'presence_code',
  );
  assert.equal(
    evidenceOf(absent, { inboundCall: true, portalRequest: true, appointment: true }),
    'inbound_call',
  );
  assert.equal(evidenceOf(absent, { portalRequest: true, appointment: true }), 'portal_request');
  assert.equal(evidenceOf(absent, { appointment: true }), 'appointment');
  assert.equal(evidenceOf(absent, {}), 'none');
});

for (const { dialect, skip } of await dialects()) {
  describe(`portal requests and appointments as evidence (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 14, 9));
    let f: AccessFixture;

    before(async () => {
      f = await accessFixture(dialect, { clock });
    });
    after(() => f?.close());

    /** A customer signed in to the portal (registered and invited by a clerk of their own), and a sender as them. */
    const portalCustomer = () => signInPortal(f, clock.now);
    const stepUp = async (who: Staff) => {
      clock.advance(31_000);
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const openCase = (who: Staff, customerId: string, extra: object = {}) =>
      f.send(who, 'POST', '/v1/cases', { customerId, purpose: 'repair', channel: 'counter', ...extra });
    /** Reveal the phone through a case and return the evidence its `customer.revealed` entry carries. */
    const revealEvidence = async (who: Staff, caseId: string) => {
      await stepUp(who);
      const res = await f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone'],
        reason: 'customer asked',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const entries = await ledgerEntries(f.t.custos, 'customer.revealed');
      const entry = entries.find((e) => e.data.caseId === caseId);
      assert.ok(entry, 'the reveal is in the ledger');
      return entry.data.evidence;
    };
    const openRequests = async (who: Staff) => {
      const res = await f.send(who, 'GET', '/v1/portal-requests?status=open');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.requests as { id: string; customerId: string }[];
    };
    const inHours = (hours: number) => new Date(clock.now() + hours * 3600_000).toISOString();

    test("a reveal through a case bound to the customer's own request carries portal_request evidence", async () => {
      const customer = await portalCustomer();
      const made = await customer.send('POST', '/v1/portal/requests', {
        topic: 'billing',
        note: 'My invoice shows 盗用 charges from 2026-12-01',
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const { requestId } = made.body;

      const clerk = await f.staff('support');
      const listed = (await openRequests(clerk)).find((r) => r.id === requestId);
      assert.ok(listed, 'staff see the open request');
      assert.deepEqual(Object.keys(listed).sort(), [
        'createdAt',
        'customerId',
        'expiresAt',
        'id',
        'site',
        'topic',
      ]);
      assert.equal(listed.customerId, customer.customerId);
      assert.ok(!JSON.stringify(listed).includes('invoice'), 'the note is not in the queue');

      const opened = await openCase(clerk, customer.customerId, { portalRequestId: requestId });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      assert.ok(
        !(await openRequests(clerk)).some((r) => r.id === requestId),
        'a taken request leaves the queue',
      );
      assert.equal(await revealEvidence(clerk, opened.body.id), 'portal_request');
      await f.t.custos.watch.watcher.settled();
      assert.equal(f.t.custos.watch.watcher.assess(clerk.staffId).score, 0, 'the watcher scores nothing');

      const created = (await ledgerEntries(f.t.custos, 'portal_request.created')).find(
        (e) => e.data.requestId === requestId,
      );
      assert.deepEqual(created?.data, { requestId, customerId: customer.customerId });
      assert.equal(created?.actor, `customer:${customer.customerId}`);
      const taken = (await ledgerEntries(f.t.custos, 'portal_request.taken')).find(
        (e) => e.data.requestId === requestId,
      );
      assert.deepEqual(taken?.data, { requestId, customerId: customer.customerId, caseId: opened.body.id });
      assert.equal(taken?.actor, `staff:${clerk.staffId}`);
      const sealedNote = JSON.stringify(await ledgerEntries(f.t.custos, 'portal_request.created'));
      assert.ok(!sealedNote.includes('invoice'), 'the ledger holds ids only');
    });

    test("a clerk cannot bind one customer's request to a case for another customer", async () => {
      const victim = await portalCustomer();
      const { requestId } = (await victim.send('POST', '/v1/portal/requests', { topic: 'account' })).body;
      const clerk = await f.staff('support');
      const target = await f.customer();
      const bound = await openCase(clerk, target, { portalRequestId: requestId });
      assert.equal(bound.status, 409, JSON.stringify(bound.body));
      assert.equal(bound.body.error.code, 'REQUEST_CUSTOMER_MISMATCH');
      const refusals = await ledgerEntries(f.t.custos, 'access.denied');
      assert.ok(
        refusals.some(
          (e) => e.actor === `staff:${clerk.staffId}` && e.data.code === 'REQUEST_CUSTOMER_MISMATCH',
        ),
        'the attempt is ledgered as a refusal',
      );
      assert.ok(
        (await openRequests(clerk)).some((r) => r.id === requestId),
        'the request is still open for its own customer',
      );
      // No case was stored for the target: the clerk has no open case of theirs.
      const mine = await f.send(clerk, 'GET', '/v1/cases');
      assert.ok(!mine.body.cases.some((c: { customerId: string }) => c.customerId === target));
    });

    test('a request is taken once: a second clerk, the same clerk again, or two racing, get 409', async () => {
      const customer = await portalCustomer();
      const first = (await customer.send('POST', '/v1/portal/requests', { topic: 'repair' })).body.requestId;
      const clerk = await f.staff('support');
      const other = await f.staff('support');
      assert.equal((await openCase(clerk, customer.customerId, { portalRequestId: first })).status, 201);
      for (const who of [clerk, other]) {
        const again = await openCase(who, customer.customerId, { portalRequestId: first });
        assert.equal(again.status, 409, JSON.stringify(again.body));
        assert.equal(again.body.error.code, 'REQUEST_ALREADY_TAKEN');
      }

      const second = (await customer.send('POST', '/v1/portal/requests', { topic: 'repair' })).body.requestId;
      const raced = await Promise.all(
        [clerk, other, clerk, other].map((who) =>
          openCase(who, customer.customerId, { portalRequestId: second }),
        ),
      );
      assert.deepEqual(
        raced.map((r) => r.status).sort(),
        [201, 409, 409, 409],
        JSON.stringify(raced.map((r) => r.body)),
      );
    });

    test('a guessed id, a request for another site, or an expired request binds nothing', async () => {
      const customer = await portalCustomer();
      const clerk = await f.staff('support');
      const guessed = await openCase(clerk, customer.customerId, { portalRequestId: randomUUID() });
      assert.equal(guessed.status, 404);
      assert.equal(guessed.body.error.code, 'PORTAL_REQUEST_NOT_FOUND');

      const forWest = (
        await customer.send('POST', '/v1/portal/requests', { topic: 'repair', site: 'west-store' })
      ).body.requestId;
      assert.ok(!(await openRequests(clerk)).some((r) => r.id === forWest), 'another site does not see it');
      const elsewhere = await openCase(clerk, customer.customerId, { portalRequestId: forWest });
      assert.equal(elsewhere.status, 404, JSON.stringify(elsewhere.body));
      const westClerk = await f.staff('support', 'west-store');
      assert.ok(
        (await openRequests(westClerk)).some((r) => r.id === forWest),
        'its own site sees it',
      );

      const stale = (await customer.send('POST', '/v1/portal/requests', { topic: 'other' })).body.requestId;
      clock.advance(PORTAL_REQUEST_TTL_MS + MINUTE);
      const later = await f.staff('support');
      assert.ok(!(await openRequests(later)).some((r) => r.id === stale), 'an expired request is not listed');
      const expired = await openCase(later, customer.customerId, { portalRequestId: stale });
      assert.equal(expired.status, 409, JSON.stringify(expired.body));
      assert.equal(expired.body.error.code, 'REQUEST_EXPIRED');
    });

    test("a request pointed at a case by a database edit explains nothing unless it is the case's customer's", async () => {
      const customer = await portalCustomer();
      const { requestId } = (await customer.send('POST', '/v1/portal/requests', { topic: 'repair' })).body;
      const clerk = await f.staff('support');
      const target = await f.customer();
      const opened = await openCase(clerk, target);
      assert.equal(opened.status, 201);
      await f.t.custos.database.db
        .updateTable('portal_requests')
        .set({ case_id: opened.body.id, taken_by: clerk.staffId, taken_at: clock.now() })
        .where('id', '=', requestId)
        .execute();
      assert.equal(await revealEvidence(clerk, opened.body.id), 'none');
    });

    test('a customer creates and books only for themselves; staff and other customers cannot', async () => {
      const customer = await portalCustomer();
      const other = await portalCustomer();
      const forOther = await customer.send('POST', '/v1/portal/requests', {
        topic: 'repair',
        customerId: other.customerId,
      });
      assert.equal(forOther.status, 400, 'no customer id is accepted');
      const bookOther = await customer.send('POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(1),
        customerId: other.customerId,
      });
      assert.equal(bookOther.status, 400);

      const clerk = await f.staff('support');
      const staffRequest = await f.send(clerk, 'POST', '/v1/portal/requests', { topic: 'repair' });
      assert.equal(staffRequest.status, 401, 'a staff session cannot make a request');
      const staffBooking = await f.send(clerk, 'POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(1),
      });
      assert.equal(staffBooking.status, 401, 'a staff session cannot book');
      assert.equal((await customer.send('GET', '/v1/portal-requests?status=open')).status, 401);
      const marketer = await f.staff('marketing');
      const queue = await f.send(marketer, 'GET', '/v1/portal-requests?status=open');
      assert.equal(queue.status, 403, 'a role that opens no cases sees no queue');

      const booked = await customer.send('POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(3),
      });
      assert.equal(booked.status, 201, JSON.stringify(booked.body));
      const { appointmentId } = booked.body;
      const byOther = await other.send('DELETE', `/v1/portal/appointments/${appointmentId}`);
      assert.equal(byOther.status, 404, "another customer's appointment is as absent as none");
      const byStaff = await f.send(clerk, 'DELETE', `/v1/portal/appointments/${appointmentId}`);
      assert.equal(byStaff.status, 401);

      // At most 5 upcoming appointments and 5 open requests per customer: the portal floods no queue.
      for (let i = 0; i < 4; i++) {
        const more = await customer.send('POST', '/v1/portal/appointments', {
          site: 'east-call-centre',
          startsAt: inHours(4 + i),
        });
        assert.equal(more.status, 201, JSON.stringify(more.body));
      }
      const sixth = await customer.send('POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(9),
      });
      assert.equal(sixth.status, 429, JSON.stringify(sixth.body));
      for (let i = 0; i < 5; i++) {
        assert.equal((await customer.send('POST', '/v1/portal/requests', { topic: 'other' })).status, 201);
      }
      const flood = await customer.send('POST', '/v1/portal/requests', { topic: 'other' });
      assert.equal(flood.status, 429, JSON.stringify(flood.body));

      for (const bad of [
        { site: 'east-call-centre', startsAt: inHours(-1) },
        { site: 'east-call-centre', startsAt: inHours(61 * 24) },
        { site: 'east-call-centre', startsAt: 'tomorrow' },
        { site: '../west', startsAt: inHours(1) },
      ]) {
        const res = await customer.send('POST', '/v1/portal/appointments', bad);
        assert.equal(res.status, 400, JSON.stringify(bad));
      }
    });

    test('an appointment at the site explains a case opened around it; another site, outside the window or cancelled: none', async () => {
      const east = await f.staff('support');
      const west = await f.staff('support', 'west-store');

      // Booked 20 minutes ahead: a case opened now is within the 30 minutes before.
      const due = await portalCustomer();
      const booking = { site: 'east-call-centre', startsAt: inHours(1 / 3) };
      assert.equal((await due.send('POST', '/v1/portal/appointments', booking)).status, 201);
      const atSite = await openCase(east, due.customerId);
      assert.equal(await revealEvidence(east, atSite.body.id), 'appointment');
      const otherSite = await openCase(west, due.customerId);
      assert.equal(await revealEvidence(west, otherSite.body.id), 'none', 'opened by staff of another site');

      // Booked 45 minutes ahead: a case opened now is too early.
      const early = await portalCustomer();
      await early.send('POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(0.75),
      });
      const tooEarly = await openCase(east, early.customerId);
      assert.equal(await revealEvidence(east, tooEarly.body.id), 'none', 'more than 30 minutes before');

      // Cancelled: explains nothing, and is cancelled once.
      const cancelled = await portalCustomer();
      const { appointmentId } = (await cancelled.send('POST', '/v1/portal/appointments', booking)).body;
      assert.equal((await cancelled.send('DELETE', `/v1/portal/appointments/${appointmentId}`)).status, 204);
      const again = await cancelled.send('DELETE', `/v1/portal/appointments/${appointmentId}`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'APPOINTMENT_NOT_BOOKED');
      const afterCancel = await openCase(east, cancelled.customerId);
      assert.equal(await revealEvidence(east, afterCancel.body.id), 'none', 'a cancelled appointment');
      const cancelledEntry = (await ledgerEntries(f.t.custos, 'appointment.cancelled')).find(
        (e) => e.data.appointmentId === appointmentId,
      );
      assert.deepEqual(cancelledEntry?.data, { appointmentId, customerId: cancelled.customerId });
      assert.ok(
        (await ledgerEntries(f.t.custos, 'appointment.booked')).some(
          (e) => e.data.appointmentId === appointmentId && e.subject === cancelled.customerId,
        ),
      );

      // More than two hours after the start: too late.
      const late = await portalCustomer();
      await late.send('POST', '/v1/portal/appointments', booking);
      clock.advance(20 * MINUTE + 2 * 3600_000 + MINUTE);
      const lateClerk = await f.staff('support');
      const tooLate = await openCase(lateClerk, late.customerId);
      assert.equal(await revealEvidence(lateClerk, tooLate.body.id), 'none', 'more than two hours after');
    });

    test('a portal request outranks an appointment on the same case', async () => {
      const customer = await portalCustomer();
      await customer.send('POST', '/v1/portal/appointments', {
        site: 'east-call-centre',
        startsAt: inHours(0.25),
      });
      const { requestId } = (await customer.send('POST', '/v1/portal/requests', { topic: 'repair' })).body;
      const clerk = await f.staff('support');
      const opened = await openCase(clerk, customer.customerId, { portalRequestId: requestId });
      assert.equal(await revealEvidence(clerk, opened.body.id), 'portal_request');
    });
  });
}
