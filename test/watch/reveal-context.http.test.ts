/**
 * What the watcher learns about a staff-initiated reveal, over HTTP: a follow-up of a contact the customer
 * started counts 1 point, not 13; a VIP or co-worker marked by security and revealed cold is alerted at once,
 * and the mark table names nobody; a case closed with no resolution after a reveal says so in the ledger; a
 * resignation notice from HR makes the next staff-initiated reveal count more. Plus the pure parts: the masked
 * surname and province, and the shift arithmetic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chineseSurname, isOffShift, provinceOf } from '../../src/access/reveal/reveal-context.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

const HOUR = 3_600_000;
const CHINA = 8 * HOUR;

describe('reveal context: the pure parts', () => {
  test('the surname is the first Chinese character of the masked name; Latin names give none', () => {
    assert.deepEqual(['王**', ' 欧阳** ', 'Z** W**', '', undefined].map(chineseSurname), [
      '王',
      '欧',
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('the province is what the masked address keeps before its mask', () => {
    assert.deepEqual(['广东省 ***', 'Beijing ***', '***', undefined].map(provinceOf), [
      '广东省',
      'Beijing',
      undefined,
      undefined,
    ]);
  });

  test('off shift: local hours [from, to), wrapping past midnight', () => {
    const at = (hourUtc: number) => Date.UTC(2026, 11, 2, hourUtc);
    const day = { from: 8, to: 18 };
    // 00:00 UTC is 08:00 in China (on), 09:59 UTC is 17:59 (on), 10:00 UTC is 18:00 (off), 23:00 UTC is 07:00 (off).
    assert.deepEqual(
      [0, 9, 10, 23].map((h) => isOffShift(day, at(h), CHINA)),
      [false, false, true, true],
    );
    const night = { from: 22, to: 6 };
    // 14:00 UTC is 22:00 (on), 21:00 UTC is 05:00 (on), 22:00 UTC is 06:00 (off).
    assert.deepEqual(
      [14, 21, 22].map((h) => isOffShift(night, at(h), CHINA)),
      [false, false, true],
    );
    assert.equal(isOffShift(undefined, at(3), CHINA), false, 'an unknown shift is never off');
  });
});

describe('reveal context over HTTP', () => {
  let f: AccessFixture;
  let clockNow = Date.UTC(2026, 11, 2, 2); // 10:00 in China
  const clock = { now: () => clockNow };
  const stepUp = async (who: Staff) => {
    clockNow += 30_000;
    const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  const reveal = async (who: Staff, caseId: string) => {
    await stepUp(who);
    return f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['phone'], reason: 'calling back' });
  };
  const presentCase = async (who: Staff, customerId: string) => {
    const { code } = await f.t.custos.access.presenceCodes.issue(
      { type: 'customer' as const, id: customerId },
      customerId,
    );
    return f.openCase(who, customerId, 'repair', { presenceCode: code });
  };
  const revealedBy = async (who: Staff) =>
    (await ledgerEntries(f.t.custos, 'customer.revealed'))
      .filter((e) => e.actor === `staff:${who.staffId}`)
      .map((e) => e.data);
  const score = async (who: Staff) => {
    await f.t.custos.watch.watcher.settled();
    return f.t.custos.watch.watcher.assess(who.staffId);
  };

  before(async () => {
    f = await accessFixture('sqlite', { clock });
  });
  after(() => f?.close());

  test('a follow-up of a customer who came in earlier counts 1 point; a cold reveal 17', async () => {
    const clerk = await f.staff('support');
    const known = await f.customer();
    const stranger = await f.customer();
    // The customer came to the counter (their code), was served without a reveal, and left.
    const first = await presentCase(clerk, known);
    assert.equal(
      (await f.send(clerk, 'POST', `/v1/cases/${first}/close`, { resolution: 'resolved' })).status,
      200,
    );
    clockNow += 10 * 60_000;
    const followUp = await f.openCase(clerk, known);
    assert.equal((await reveal(clerk, followUp)).status, 200);
    const cold = await f.openCase(clerk, stranger);
    assert.equal((await reveal(clerk, cold)).status, 200);
    const [second, third] = await revealedBy(clerk);
    assert.deepEqual([second?.evidence, second?.context], ['none', { followUp: true }]);
    assert.deepEqual([third?.evidence, third?.context], ['none', undefined]);
    const a = await score(clerk);
    assert.deepEqual(
      a.contributions.map((c) => [c.indicator, c.value, c.points]),
      [
        ['unexplained_reveals', 1, 17],
        ['follow_ups', 1, 1],
      ],
    );
  });

  test('another clerk’s earlier contact with the customer is no follow-up for this one', async () => {
    const colleague = await f.staff('support');
    const clerk = await f.staff('support');
    const customerId = await f.customer();
    await presentCase(colleague, customerId);
    const mine = await f.openCase(clerk, customerId);
    assert.equal((await reveal(clerk, mine)).status, 200);
    const [entry] = await revealedBy(clerk);
    assert.equal(entry?.context, undefined);
  });

  test('a VIP revealed cold is alerted at once; the mark is keyed, and only security sets it', async () => {
    const security = await f.staff('security');
    const clerk = await f.staff('support');
    const vip = await f.customer();
    await stepUp(clerk);
    const byClerk = await f.send(clerk, 'PUT', `/v1/watch/marks/${vip}`, { kind: 'vip' });
    assert.equal(byClerk.status, 403, 'a clerk cannot mark (or learn by trying who is marked)');
    await stepUp(security);
    assert.equal((await f.send(security, 'PUT', `/v1/watch/marks/${vip}`, { kind: 'vip' })).status, 204);
    const rows = await f.t.custos.database.db.selectFrom('watch_marks').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.ok(
      !Buffer.from(rows[0]!.mark).toString('utf8').includes(vip),
      'the table does not name the customer',
    );
    const [marked] = await ledgerEntries(f.t.custos, 'watch.marked');
    assert.ok(!JSON.stringify(marked).includes(vip), 'nor does the ledger entry');

    const caseId = await f.openCase(clerk, vip);
    assert.equal((await reveal(clerk, caseId)).status, 200);
    const a = await score(clerk);
    assert.deepEqual([a.score, a.tier], [47, 'elevated']);
    const alerts = (await ledgerEntries(f.t.custos, 'alert.raised')).filter(
      (e) => e.data.staffId === clerk.staffId,
    );
    assert.deepEqual(
      alerts.map((e) => [e.data.kind, e.data.severity, e.subject]),
      [['special_customer_access', 'medium', vip]],
    );

    // The same VIP at the counter with their code: no point, no alert.
    const honest = await f.staff('support');
    assert.equal((await reveal(honest, await presentCase(honest, vip))).status, 200);
    assert.equal((await score(honest)).score, 0);
    const more = (await ledgerEntries(f.t.custos, 'alert.raised')).filter(
      (e) => e.data.staffId === honest.staffId,
    );
    assert.equal(more.length, 0);
  });

  test('a case closed with no resolution after a reveal says so; three in a day start to count', async () => {
    const clerk = await f.staff('support');
    for (let i = 0; i < 3; i++) {
      const customerId = await f.customer();
      const caseId = await presentCase(clerk, customerId);
      assert.equal((await reveal(clerk, caseId)).status, 200);
      assert.equal(
        (await f.send(clerk, 'POST', `/v1/cases/${caseId}/close`, { resolution: 'no_action' })).status,
        200,
      );
    }
    const unrevealed = await presentCase(clerk, await f.customer());
    assert.equal((await f.send(clerk, 'POST', `/v1/cases/${unrevealed}/close`)).status, 200);
    const closed = (await ledgerEntries(f.t.custos, 'case.closed'))
      .filter((e) => e.actor === `staff:${clerk.staffId}`)
      .map((e) => [e.data.resolution, e.data.revealed]);
    assert.deepEqual(closed, [
      ['no_action', true],
      ['no_action', true],
      ['no_action', true],
      ['unspecified', false],
    ]);
    assert.deepEqual(
      (await score(clerk)).contributions.map((c) => [c.indicator, c.value, c.baseline, c.points]),
      [['no_resolution', 3, 2, 3]],
    );
    const bad = await f.send(
      clerk,
      'POST',
      `/v1/cases/${await presentCase(clerk, await f.customer())}/close`,
      {
        resolution: 'sold',
      },
    );
    assert.equal(bad.status, 400);
  });

  test('consecutive numbers searched are patterned (enumeration); the ledger keeps the flag, not the numbers', async () => {
    const clerk = await f.staff('support');
    const search = (value: string) => f.send(clerk, 'POST', '/v1/customers/search', { by: 'phone', value });
    for (const value of ['+86 139 0000 0198', '+86 139 0000 0199', '+86 139 0000 0200', '+86 138 1234 5678'])
      assert.equal((await search(value)).status, 200);
    const searched = (await ledgerEntries(f.t.custos, 'customer.searched'))
      .filter((e) => e.actor === `staff:${clerk.staffId}`)
      .map((e) => e.data.patterned ?? false);
    // The 2nd is next to the 1st; the 3rd in the block after the 2nd's; the 4th nowhere near.
    assert.deepEqual(searched, [false, true, true, false]);
    const entries = JSON.stringify(await ledgerEntries(f.t.custos, 'customer.searched'));
    assert.ok(!entries.includes('00000199') && !entries.includes('0000 0199'), 'no number in the ledger');
    assert.deepEqual(
      (await score(clerk)).contributions.map((c) => [c.indicator, c.value, c.points]),
      [
        ['patterned_searches', 2, 5],
        ['search_misses', 4, 2],
      ],
    );
  });

  test('after a resignation notice from HR, a staff-initiated reveal counts 6 more', async () => {
    const admin = await f.staff('admin');
    const clerk = await f.staff('support');
    await stepUp(admin);
    const minted = await f.send(admin, 'POST', '/v1/api-tokens', { label: 'hr feed', scopes: ['hr'] });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const notice = await f.app.inject({
      method: 'POST',
      url: '/v1/integrations/hr-signals',
      headers: { authorization: `Bearer ${minted.body.token}` },
      payload: { staffId: clerk.staffId, signal: 'resignation_notice' },
    });
    assert.equal(notice.statusCode, 202, notice.body);
    const caseId = await f.openCase(clerk, await f.customer());
    assert.equal((await reveal(clerk, caseId)).status, 200);
    assert.deepEqual(
      (await score(clerk)).contributions.map((c) => [c.indicator, c.points]),
      [
        ['unexplained_reveals', 17],
        ['hr_window', 6],
      ],
    );
  });
});
