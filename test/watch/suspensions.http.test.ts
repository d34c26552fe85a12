/**
 * Automatic suspensions are reviewed by a person, over HTTP: a honey touch suspends a clerk; security sees the
 * review owed, an overdue review raises its own alert (once); lifting it makes the account active again and
 * clears the score (also after a restart), confirming keeps it suspended; a review is decided once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCustos } from '../../src/app.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';

describe('suspensions reviewed by a person', () => {
  let f: AccessFixture;
  let clockNow = Date.now();
  const clock = { now: () => clockNow };
  let security: Staff;
  const stepUp = async (who: Staff) => {
    clockNow += 30_000;
    const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  async function* honeyPerson(phone: string) {
    yield { name: 'Honey Person', phone, birth_date: '1979-03-01' };
  }
  /** A clerk whose search lands on a honey record: suspended at once. Returns the clerk and the suspension. */
  const suspendedClerk = async (phone: string) => {
    await f.t.custos.watch.honey.seed(honeyPerson(phone));
    const clerk = await f.staff('support');
    assert.equal(
      (await f.send(clerk, 'POST', '/v1/customers/search', { by: 'phone', value: phone })).status,
      200,
    );
    await f.t.custos.watch.watcher.settled();
    const pending = await f.send(security, 'GET', '/v1/watch/suspensions');
    assert.equal(pending.status, 200, JSON.stringify(pending.body));
    const pseudonym = f.t.custos.watch.pseudonyms.of(clerk.staffId);
    const suspension = pending.body.suspensions.find((s: { staff: string }) => s.staff === pseudonym);
    assert.ok(suspension, 'security sees the review owed');
    assert.ok(!JSON.stringify(pending.body).includes(clerk.staffId), 'by pseudonym, never by staff id');
    return { clerk, suspension: suspension as { id: string; reviewDueAt: string; suspendedAt: string } };
  };
  const accountStatus = async (custos: AccessFixture['t']['custos'], staffId: string) =>
    (
      await custos.database.db
        .selectFrom('accounts')
        .select('status')
        .where('subject_id', '=', staffId)
        .executeTakeFirstOrThrow()
    ).status;
  const alertsOfKind = async (kind: string) => {
    const found = [];
    for (let i = 0; i < f.t.custos.ledger.size(); i++) {
      const { entry } = await f.t.custos.ledger.entry(i);
      if (entry?.type === 'alert.raised' && (entry.data as { kind: string }).kind === kind)
        found.push(entry.data);
    }
    return found;
  };

  before(async () => {
    f = await accessFixture('sqlite', { clock });
    security = await f.staff('security');
  });
  after(() => f?.close());

  test('a review is owed within 24 hours; an overdue one raises its own alert, once', async () => {
    const { suspension } = await suspendedClerk('+86 137 0001 0001');
    assert.equal(Date.parse(suspension.reviewDueAt) - Date.parse(suspension.suspendedAt), 24 * 3_600_000);
    assert.equal(await f.t.custos.watch.suspensions.raiseOverdue(), 0, 'not due yet');
    clockNow += 25 * 3_600_000;
    assert.equal(await f.t.custos.watch.suspensions.raiseOverdue(), 1);
    assert.equal(await f.t.custos.watch.suspensions.raiseOverdue(), 0, 'once');
    assert.equal((await alertsOfKind('risk_suspension_review_overdue')).length, 1);
    security = await f.staff('security'); // a fresh session after the day that passed
  });

  test('lifted with a reason: the account is active again, the score cleared, and a restart keeps it so', async () => {
    const { clerk, suspension } = await suspendedClerk('+86 137 0001 0002');
    assert.equal(await accountStatus(f.t.custos, clerk.staffId), 'suspended');
    const tooShort = await f.send(security, 'POST', `/v1/watch/suspensions/${suspension.id}/review`, {
      outcome: 'lift',
      reason: 'ok',
    });
    assert.equal(tooShort.status, 400);
    await stepUp(security);
    const lifted = await f.send(security, 'POST', `/v1/watch/suspensions/${suspension.id}/review`, {
      outcome: 'lift',
      reason: 'Test search by the QA team on a seeded record, confirmed with their manager',
    });
    assert.equal(lifted.status, 204, JSON.stringify(lifted.body));
    assert.equal(await accountStatus(f.t.custos, clerk.staffId), 'active', 'active again');
    assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'normal');
    const again = await f.send(security, 'POST', `/v1/watch/suspensions/${suspension.id}/review`, {
      outcome: 'confirm',
      reason: 'A second opinion that comes too late',
    });
    assert.equal(again.body.error.code, 'ALREADY_REVIEWED');

    await f.t.custos.close();
    const restarted = await createCustos(f.t.config, { clock, logger: createLogger('silent') });
    f.t.custos = restarted;
    assert.equal(
      restarted.watch.watcher.tierOf(clerk.staffId),
      'normal',
      'the lift is replayed, not the touch alone',
    );
  });

  test('confirmed: the account stays suspended; the touch survives a restart', async () => {
    const fresh = await accessFixture('sqlite', { clock });
    try {
      const sec = await fresh.staff('security');
      const phone = '+86 137 0001 0003';
      await fresh.t.custos.watch.honey.seed(honeyPerson(phone));
      const clerk = await fresh.staff('support');
      await fresh.send(clerk, 'POST', '/v1/customers/search', { by: 'phone', value: phone });
      await fresh.t.custos.watch.watcher.settled();
      const { suspensions } = (await fresh.send(sec, 'GET', '/v1/watch/suspensions')).body;
      clockNow += 30_000;
      await fresh.send(sec, 'POST', '/v1/auth/step-up', { code: totp(sec.secret, clockNow) });
      const confirmed = await fresh.send(sec, 'POST', `/v1/watch/suspensions/${suspensions[0].id}/review`, {
        outcome: 'confirm',
        reason: 'Searched a number no customer gave us; HR informed',
      });
      assert.equal(confirmed.status, 204, JSON.stringify(confirmed.body));
      assert.equal(await accountStatus(fresh.t.custos, clerk.staffId), 'suspended');
      await fresh.t.custos.close();
      const restarted = await createCustos(fresh.t.config, { clock, logger: createLogger('silent') });
      fresh.t.custos = restarted;
      assert.equal(
        restarted.watch.watcher.tierOf(clerk.staffId),
        'critical',
        'replayed from the honey alert',
      );
    } finally {
      await fresh.close();
    }
  });
});
