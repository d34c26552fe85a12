/**
 * Alert triage over HTTP, as an attacker would try it: security reads an alert with the staff member's acts
 * around it and names nobody (pseudonyms: the raw staff id never occurs in an answer); assigning, confirming,
 * dismissing and unmasking need security, a fresh step-up and someone other than the alert's staff member;
 * an alert is decided once; verdicts come back as the watcher's feedback; all of it is ledgered with reasons
 * only as their SHA-256. On both dialects.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../src/platform/actor.ts';
import type { BusEvent } from '../../src/platform/bus.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../support/access-fixture.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

const DAY = 86_400_000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

for (const { dialect, skip } of await dialects()) {
  describe(`alert triage over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 10, 9));
    let f: AccessFixture;
    let security: Staff;
    let colleague: Staff;
    const triaged: BusEvent<'alert.triaged'>['data'][] = [];

    const stepUp = async (who: Staff) => {
      clock.advance(30_000); // a TOTP step not used yet
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const code = (reply: Reply) => reply.body?.error?.code as string | undefined;
    /** An alert about `staffId` (a risk_tier one when `indicator` is given). */
    const raise = (staffId: string, indicator?: string) =>
      f.t.custos.watch.alerts.raise(systemActor, {
        kind: indicator ? 'risk_tier' : 'break_glass',
        severity: 'high',
        staffId,
        data: indicator
          ? { tier: 'high', score: 55, indicators: [{ indicator, value: 12, baseline: 8, points: 30 }] }
          : { caseId: '0193a0b0-0000-7000-8000-000000000001', reviewedBy: staffId },
      });
    const pseudonymOf = (staffId: string) => f.t.custos.watch.pseudonyms.of(staffId);

    before(async () => {
      f = await accessFixture(dialect, { clock });
      security = await f.staff('security');
      colleague = await f.staff('security');
      f.t.custos.bus.subscribe('alert.triaged', (event) => {
        triaged.push(event.data);
      });
    });
    after(() => f?.close());

    test('the list and the detail name staff by pseudonym: the raw staff id occurs nowhere', async () => {
      const clerk = await f.staff('support');
      const customerId = await f.customer();
      // An act eight days before the alert: outside the timeline's week.
      const now = clock.now();
      clock.set(now - 8 * DAY);
      await f.t.custos.ledger.append({
        type: 'customer.searched',
        actor: `staff:${clerk.staffId}`,
        data: { by: 'phone', queryDigest: 'aa', matches: 1 },
      });
      clock.set(now);
      const caseId = await f.openCase(clerk, customerId);
      const alertId = await raise(clerk.staffId);

      const list = await f.send(security, 'GET', '/v1/alerts');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const listed = list.body.alerts.find((a: { id: string }) => a.id === alertId);
      assert.match(listed.staff, /^staff-[A-Z2-7]{10}$/);
      assert.equal(listed.staff, pseudonymOf(clerk.staffId));
      assert.equal(listed.data.reviewedBy, listed.staff, 'staff ids inside the data are masked too');
      assert.equal(listed.status, 'open');
      assert.ok(!JSON.stringify(list.body).includes(clerk.staffId), 'no staff id in the list');

      const detail = await f.send(security, 'GET', `/v1/alerts/${alertId}`);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.ok(!JSON.stringify(detail.body).includes(clerk.staffId), 'no staff id in the detail');
      assert.equal(detail.body.staff, listed.staff, 'the same pseudonym everywhere');
      const opened = detail.body.timeline.find((i: { type: string }) => i.type === 'case.opened');
      assert.deepEqual(opened && { caseId: opened.caseId, subject: opened.subject }, {
        caseId,
        subject: customerId,
      });
      assert.ok(
        !detail.body.timeline.some((i: { type: string }) => i.type === 'customer.searched'),
        'acts older than a week before the alert are not in its timeline',
      );
      for (const item of detail.body.timeline)
        assert.deepEqual(
          Object.keys(item).filter(
            (k) => !['type', 'at', 'subject', 'caseId', 'evidence', 'fields'].includes(k),
          ),
          [],
          'ids, names and kinds only',
        );
    });

    test('a support clerk and an administrator can neither read nor triage alerts', async () => {
      const subject = await f.staff('support');
      const alertId = await raise(subject.staffId);
      for (const role of ['support', 'admin']) {
        const outsider = await f.staff(role);
        await stepUp(outsider);
        assert.equal((await f.send(outsider, 'GET', '/v1/alerts')).status, 403, role);
        assert.equal(code(await f.send(outsider, 'GET', `/v1/alerts/${alertId}`)), 'ACCESS_DENIED', role);
        const dismissed = await f.send(outsider, 'POST', `/v1/alerts/${alertId}/dismiss`, {
          reason: 'Nothing to see here at all',
          falsePositive: true,
        });
        assert.deepEqual([dismissed.status, code(dismissed)], [403, 'ACCESS_DENIED'], role);
        const unmasked = await f.send(outsider, 'POST', `/v1/alerts/${alertId}/unmask`, {
          reason: 'I would like to know who',
        });
        assert.equal(code(unmasked), 'ACCESS_DENIED', role);
      }
      // The clerk the alert is about dismissing it: refused as well.
      await stepUp(subject);
      const own = await f.send(subject, 'POST', `/v1/alerts/${alertId}/dismiss`, {
        reason: 'This was me and it was fine',
        falsePositive: true,
      });
      assert.equal(own.status, 403);
      const still = await f.send(security, 'GET', `/v1/alerts/${alertId}`);
      assert.equal(still.body.status, 'open');
      assert.equal(
        (await ledgerEntries(f.t.custos, 'alert.dismissed')).filter((e) => e.data.alertId === alertId).length,
        0,
      );
    });

    test('a security member cannot read, triage or unmask an alert about themselves', async () => {
      const alertId = await raise(colleague.staffId);
      const list = await f.send(colleague, 'GET', '/v1/alerts');
      assert.equal(list.status, 200);
      assert.ok(!list.body.alerts.some((a: { id: string }) => a.id === alertId), 'no tip-off in the list');
      const read = await f.send(colleague, 'GET', `/v1/alerts/${alertId}`);
      assert.deepEqual([read.status, code(read)], [403, 'SAME_PERSON'], 'nor in the detail');
      await stepUp(colleague);
      for (const [verb, body] of [
        ['dismiss', { reason: 'A false alarm about me, surely', falsePositive: true }],
        ['confirm', { reason: 'Confirming my own alert for fun' }],
        ['assign', { assignee: colleague.staffId }],
        ['unmask', { reason: 'Who is this, I wonder' }],
      ] as const) {
        const res = await f.send(colleague, 'POST', `/v1/alerts/${alertId}/${verb}`, body);
        assert.deepEqual([res.status, code(res)], [403, 'SAME_PERSON'], verb);
      }
      // Nor can another security member give it to the person it is about.
      await stepUp(security);
      const toSubject = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: colleague.staffId,
      });
      assert.deepEqual([toSubject.status, code(toSubject)], [403, 'SAME_PERSON']);
    });

    test('a stale step-up is refused; a fresh one lets security assign to a colleague, never to a non-security member', async () => {
      const clerk = await f.staff('support');
      const alertId = await raise(clerk.staffId);
      clock.advance(6 * 60_000);
      const stale = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: colleague.staffId,
      });
      assert.deepEqual([stale.status, code(stale)], [401, 'STEP_UP_REQUIRED']);
      await stepUp(security);
      const toClerk = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: clerk.staffId,
      });
      assert.deepEqual([toClerk.status, code(toClerk)], [400, 'VALIDATION_FAILED']);
      const guessed = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: '0193a0b0-0000-7000-8000-00000000dead',
      });
      assert.equal(guessed.status, 400, 'an id nobody has');
      // A security role still waiting for its second administrator's approval (set in the directory directly).
      const pending = await f.staff('security');
      await f.t.custos.database.db
        .updateTable('staff')
        .set({ status: 'pending_approval' })
        .where('id', '=', pending.staffId)
        .execute();
      const toPending = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: pending.staffId,
      });
      assert.equal(toPending.status, 400, 'only an active security member takes alerts');
      const assigned = await f.send(security, 'POST', `/v1/alerts/${alertId}/assign`, {
        assignee: colleague.staffId,
      });
      assert.equal(assigned.status, 204, JSON.stringify(assigned.body));
      const list = await f.send(security, 'GET', '/v1/alerts?status=assigned');
      const listed = list.body.alerts.find((a: { id: string }) => a.id === alertId);
      assert.equal(listed.assignee, pseudonymOf(colleague.staffId));
      assert.ok(!JSON.stringify(list.body).includes(colleague.staffId), 'the assignee by pseudonym too');
      const [entry] = (await ledgerEntries(f.t.custos, 'alert.assigned')).filter(
        (e) => e.data.alertId === alertId,
      );
      assert.deepEqual(entry?.data, { alertId, staffId: clerk.staffId, assignee: colleague.staffId });
    });

    test('confirmed once: an investigation opens, the reason is ledgered only as its SHA-256, a second decision is 409', async () => {
      const clerk = await f.staff('support');
      const alertId = await raise(clerk.staffId, 'distinct_customers');
      await stepUp(security);
      const reason = 'Forty customers in an hour, none of them asked';
      const confirmed = await f.send(security, 'POST', `/v1/alerts/${alertId}/confirm`, { reason });
      assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
      const { investigationId } = confirmed.body;

      const row = await f.t.custos.database.db
        .selectFrom('investigations')
        .selectAll()
        .where('id', '=', investigationId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [row.alert_id, row.staff_id, row.opened_by, row.status],
        [alertId, clerk.staffId, security.staffId, 'open'],
      );
      const [entry] = (await ledgerEntries(f.t.custos, 'alert.confirmed')).filter(
        (e) => e.data.alertId === alertId,
      );
      assert.equal(entry?.data.reasonSha256, sha256(reason));
      const [opened] = (await ledgerEntries(f.t.custos, 'investigation.opened')).filter(
        (e) => e.data.alertId === alertId,
      );
      assert.deepEqual(opened?.data, { investigationId, alertId, staffId: clerk.staffId });
      const everything = JSON.stringify(await ledgerEntries(f.t.custos, 'alert.confirmed'));
      assert.ok(!everything.includes('Forty customers'), 'no reason text in the ledger');

      for (const [verb, body] of [
        ['confirm', { reason: 'Confirming it a second time' }],
        ['dismiss', { reason: 'On second thoughts it was fine', falsePositive: true }],
        ['assign', { assignee: colleague.staffId }],
      ] as const) {
        const again = await f.send(security, 'POST', `/v1/alerts/${alertId}/${verb}`, body);
        assert.deepEqual([again.status, code(again)], [409, 'ALERT_ALREADY_DECIDED'], verb);
      }
      // Another security member racing in gets the same answer.
      await stepUp(colleague);
      const racing = await f.send(colleague, 'POST', `/v1/alerts/${alertId}/dismiss`, {
        reason: 'I think it was a false positive',
        falsePositive: true,
      });
      assert.equal(code(racing), 'ALERT_ALREADY_DECIDED');

      const detail = await f.send(security, 'GET', `/v1/alerts/${alertId}`);
      assert.deepEqual(
        [
          detail.body.status,
          detail.body.investigationId,
          detail.body.reason,
          detail.body.decidedBy,
          detail.body.decisionLedgered,
        ],
        ['confirmed', investigationId, reason, pseudonymOf(security.staffId), true],
      );
      const open = await f.send(security, 'GET', '/v1/alerts');
      assert.ok(!open.body.alerts.some((a: { id: string }) => a.id === alertId), 'no longer open');
      const decided = await f.send(security, 'GET', '/v1/alerts?status=confirmed');
      assert.ok(decided.body.alerts.some((a: { id: string }) => a.id === alertId));
      assert.equal((await f.send(security, 'GET', '/v1/alerts?status=nonsense')).status, 400);
    });

    test('dismissals feed back: per kind and top indicator, a bounded factor, and an alert.triaged event', async () => {
      const clerk = await f.staff('support');
      await stepUp(security);
      const noisy: string[] = [];
      for (let i = 0; i < 4; i++) noisy.push(await raise(clerk.staffId, 'off_shift'));
      for (const alertId of noisy.slice(0, 3)) {
        const res = await f.send(security, 'POST', `/v1/alerts/${alertId}/dismiss`, {
          reason: 'Night shift was agreed with the manager',
          falsePositive: true,
        });
        assert.equal(res.status, 204, JSON.stringify(res.body));
      }
      // Right but not worth acting on: not a false positive, counts for neither side.
      const benign = await f.send(security, 'POST', `/v1/alerts/${noisy[3]}/dismiss`, {
        reason: 'Real, but already handled by HR',
        falsePositive: false,
      });
      assert.equal(benign.status, 204);
      await new Promise((resolve) => setImmediate(resolve));

      const feedback = await f.send(security, 'GET', '/v1/alerts/feedback');
      assert.equal(feedback.status, 200, JSON.stringify(feedback.body));
      const offShift = feedback.body.feedback.find(
        (x: { indicator?: string }) => x.indicator === 'off_shift',
      );
      assert.deepEqual(offShift, {
        kind: 'risk_tier',
        indicator: 'off_shift',
        confirmed: 0,
        falsePositives: 3,
        suggestedFactor: 1.3,
      });
      const distinct = feedback.body.feedback.find(
        (x: { indicator?: string }) => x.indicator === 'distinct_customers',
      );
      assert.equal(distinct.suggestedFactor, 1, 'confirmed only: never below 1');
      assert.deepEqual(await f.t.custos.watch.alerts.feedback(), feedback.body.feedback);
      assert.deepEqual(
        triaged.filter((e) => noisy.includes(e.alertId)).map((e) => e.outcome),
        ['false_positive', 'false_positive', 'false_positive', 'dismissed'],
      );
      assert.ok(triaged.filter((e) => noisy.includes(e.alertId)).every((e) => e.indicator === 'off_shift'));
      const dismissals = (await ledgerEntries(f.t.custos, 'alert.dismissed')).filter((e) =>
        noisy.includes(e.data.alertId),
      );
      assert.deepEqual(
        dismissals.map((e) => e.data.falsePositive),
        [1, 1, 1, 0],
      );
      const clerkSees = await f.send(clerk, 'GET', '/v1/alerts/feedback');
      assert.equal(clerkSees.status, 403, 'feedback is for security only');
    });

    test('unmasking is ledgered with its reason kept aside, and answers the real staff member', async () => {
      const clerk = await f.staff('support');
      const alertId = await raise(clerk.staffId);
      clock.advance(6 * 60_000);
      const stale = await f.send(security, 'POST', `/v1/alerts/${alertId}/unmask`, {
        reason: 'HR needs the name for the hearing',
      });
      assert.equal(code(stale), 'STEP_UP_REQUIRED', JSON.stringify(stale.body));
      await stepUp(security);
      const before = (await ledgerEntries(f.t.custos, 'staff.unmasked')).length;
      const unmasked = await f.send(security, 'POST', `/v1/alerts/${alertId}/unmask`, {
        reason: 'HR needs the name for the hearing',
      });
      assert.equal(unmasked.status, 200, JSON.stringify(unmasked.body));
      assert.equal(unmasked.body.staffId, clerk.staffId);
      assert.equal(typeof unmasked.body.displayName, 'string');
      const entries = await ledgerEntries(f.t.custos, 'staff.unmasked');
      assert.equal(entries.length, before + 1);
      assert.deepEqual(entries.at(-1)?.data, {
        alertId,
        staffId: clerk.staffId,
        reasonSha256: sha256('HR needs the name for the hearing'),
      });
      assert.equal(entries.at(-1)?.actor, `staff:${security.staffId}`);
      const kept = await f.t.custos.database.db
        .selectFrom('alert_unmaskings')
        .selectAll()
        .where('alert_id', '=', alertId)
        .execute();
      assert.deepEqual(
        kept.map((k) => [k.staff_id, k.unmasked_by, k.reason]),
        [[clerk.staffId, security.staffId, 'HR needs the name for the hearing']],
      );
      const tooShort = await f.send(security, 'POST', `/v1/alerts/${alertId}/unmask`, { reason: 'why' });
      assert.equal(tooShort.status, 400);
    });

    test('a dismissal edited into the database shows: no ledger entry backs it', async () => {
      const clerk = await f.staff('support');
      const alertId = await raise(clerk.staffId);
      const undecided = await f.send(security, 'GET', `/v1/alerts/${alertId}`);
      assert.equal(undecided.body.decisionLedgered, null);
      // Someone with database access hides the alert as if a colleague had dismissed it.
      await f.t.custos.database.db
        .updateTable('alerts')
        .set({
          status: 'dismissed',
          acknowledged_at: clock.now(),
          acknowledged_by: colleague.staffId,
          reason: 'Looked at it, nothing there',
          false_positive: 1,
        })
        .where('id', '=', alertId)
        .execute();
      const open = await f.send(security, 'GET', '/v1/alerts');
      assert.ok(!open.body.alerts.some((a: { id: string }) => a.id === alertId), 'hidden from the open list');
      const detail = await f.send(security, 'GET', `/v1/alerts/${alertId}`);
      assert.deepEqual([detail.body.status, detail.body.decisionLedgered], ['dismissed', false]);
    });

    test('a guessed or malformed alert id is 404 or 400, never a 500', async () => {
      await stepUp(security);
      const unknown = '0193a0b0-0000-7000-8000-00000000beef';
      assert.equal((await f.send(security, 'GET', `/v1/alerts/${unknown}`)).status, 404);
      assert.equal(
        (
          await f.send(security, 'POST', `/v1/alerts/${unknown}/confirm`, {
            reason: 'Confirming a ghost alert',
          })
        ).status,
        404,
      );
      assert.equal((await f.send(security, 'GET', "/v1/alerts/1' or '1'='1")).status, 400);
    });
  });
}

describe('with CUSTOS_SECURITY_PSEUDONYMS=off, security views name staff by id', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SECURITY_PSEUDONYMS: 'off' } });
  });
  after(() => f?.close());

  test('the list shows the staff id', async () => {
    const security = await f.staff('security');
    const clerk = await f.staff('support');
    const alertId = await f.t.custos.watch.alerts.raise(systemActor, {
      kind: 'break_glass',
      severity: 'high',
      staffId: clerk.staffId,
      data: {},
    });
    const list = await f.send(security, 'GET', '/v1/alerts');
    const listed = list.body.alerts.find((a: { id: string }) => a.id === alertId);
    assert.equal(listed.staff, clerk.staffId);
  });
});
