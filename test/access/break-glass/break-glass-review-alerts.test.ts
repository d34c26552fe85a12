/**
 * Overdue break-glass reviews: past 24 h and unreviewed, each raises one high alert to security, once —
 * on a test clock, through the service and through `start()`'s minute timer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { REVIEW_WITHIN_MS } from '../../../src/access/break-glass/break-glass.service.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';

const KIND = 'break_glass_review_overdue';

async function openBreakGlass(f: AccessFixture, who: Staff): Promise<{ caseId: string; customerId: string }> {
  const customerId = await f.customer();
  const opened = await f.send(who, 'POST', '/v1/break-glass', {
    customerId,
    purpose: 'repair',
    reason: 'Customer locked out during an outage, manager away',
  });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  return { caseId: opened.body.id as string, customerId };
}

describe('overdue break-glass reviews raise an alert', () => {
  const clock = manualClock(Date.UTC(2026, 11, 1, 9));
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite', { clock });
  });
  after(() => f?.close());

  const overdueAlerts = async () => (await f.t.custos.watch.alerts.open()).filter((a) => a.kind === KIND);
  /** Security's review, by someone signed in now (sessions end after 15 idle minutes of the test clock). */
  const review = async (caseId: string, outcome: string) =>
    (await f.send(await f.staff('security'), 'POST', `/v1/break-glass/${caseId}/review`, { outcome })).status;

  test('one high alert per overdue unreviewed case, once; none for a reviewed or not yet due one', async () => {
    const { breakGlass } = f.t.custos.access;
    const late = await openBreakGlass(f, await f.staff('admin'));
    const reviewedInTime = await openBreakGlass(f, await f.staff('admin'));
    assert.equal(await breakGlass.raiseOverdueAlerts(), 0, 'nothing is due yet');

    clock.advance(REVIEW_WITHIN_MS - 60_000);
    assert.equal(await review(reviewedInTime.caseId, 'justified'), 204);
    assert.equal(await breakGlass.raiseOverdueAlerts(), 0, 'due in a minute, not overdue');

    clock.advance(2 * 60_000);
    const notYet = await openBreakGlass(f, await f.staff('admin'));
    assert.equal(await breakGlass.raiseOverdueAlerts(), 1);
    assert.equal(await breakGlass.raiseOverdueAlerts(), 0, 'raised once');

    const alerts = await overdueAlerts();
    assert.equal(alerts.length, 1);
    assert.deepEqual(
      { severity: alerts[0]?.severity, subject: alerts[0]?.subject, caseId: alerts[0]?.data.caseId },
      { severity: 'high', subject: late.customerId, caseId: late.caseId },
    );
    const entries = (await ledgerEntries(f.t.custos, 'alert.raised')).filter((e) => e.data.kind === KIND);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.subject, late.customerId);
    assert.equal(entries[0]?.actor, 'system:system');

    // The review is still owed: it can be done, and being overdue raised nothing twice.
    clock.advance(REVIEW_WITHIN_MS + 1);
    assert.equal(await breakGlass.raiseOverdueAlerts(), 1, 'the later case, now overdue too');
    assert.deepEqual(
      (await overdueAlerts()).map((a) => a.data.caseId).sort(),
      [late.caseId, notYet.caseId].sort(),
    );
    assert.equal(await review(late.caseId, 'unjustified'), 204);
    assert.equal(await breakGlass.raiseOverdueAlerts(), 0);
  });

  test('an alert that cannot be raised is tried again on the next run', async () => {
    const { breakGlass } = f.t.custos.access;
    const { alerts } = f.t.custos.watch;
    const stuck = await openBreakGlass(f, await f.staff('admin'));
    clock.advance(REVIEW_WITHIN_MS + 1);
    const raise = mock.method(alerts, 'raise', async () => {
      throw new Error('ledger unavailable');
    });
    try {
      await assert.rejects(breakGlass.raiseOverdueAlerts(), /ledger unavailable/);
    } finally {
      raise.mock.restore();
    }
    assert.equal(await breakGlass.raiseOverdueAlerts(), 1);
    assert.ok((await overdueAlerts()).some((a) => a.data.caseId === stuck.caseId));
  });
});

describe('start() looks for overdue reviews every minute', () => {
  test('the minute timer raises the alert', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 1, 9));
    const f = await accessFixture('sqlite', { clock });
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const { caseId } = await openBreakGlass(f, await f.staff('admin'));
      clock.advance(REVIEW_WITHIN_MS + 1);
      f.t.custos.start();
      const raised = async () =>
        (await ledgerEntries(f.t.custos, 'alert.raised')).filter((e) => e.data.kind === KIND).length;
      // The timer's task is watched where it is called: each run's promise is kept, so the test waits for
      // exactly that run to finish (no sleeps), and "not before the minute" is a count of runs started.
      const { breakGlass } = f.t.custos.access;
      const runs: Promise<number>[] = [];
      const original = breakGlass.raiseOverdueAlerts.bind(breakGlass);
      mock.method(breakGlass, 'raiseOverdueAlerts', () => {
        const run = original();
        runs.push(run);
        return run;
      });
      mock.timers.tick(59_000);
      assert.equal(runs.length, 0, 'not before the minute');
      mock.timers.tick(1_000);
      assert.equal(runs.length, 1, 'once at the minute');
      assert.equal(await runs[0], 1);
      assert.equal(await raised(), 1);
      const open = await f.t.custos.watch.alerts.open();
      assert.ok(open.some((a) => a.kind === KIND && a.data.caseId === caseId));
    } finally {
      mock.restoreAll();
      await f.close();
      mock.timers.reset();
    }
  });
});
