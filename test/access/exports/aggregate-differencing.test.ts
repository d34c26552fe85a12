/**
 * Aggregate differencing (issue 10, side door 5), attacked over HTTP against a real server listening on
 * loopback, on both dialects, with the default privacy settings (ε 0.25 per aggregate, 1 per requester in
 * 30 days): two aggregates differing by one dimension, then a consent withdrawn by staff between two
 * aggregates. Every released count is noisy and at least the release threshold, what each requester was
 * released is remembered, and the budget refuses a fifth aggregate until the window has passed. That the
 * noise defeats the two attacks is shown statistically in differential-privacy.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../../src/platform/actor.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send, signInStaff } from '../../support/staff-session.ts';

type Staff = Awaited<ReturnType<typeof signInStaff>>;
type Group = { values: Record<string, string>; count: number };
type Reply = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const PASSWORD = 'a long and unusual passphrase';
const DAY = 86_400_000;

for (const { dialect, skip } of await dialects()) {
  describe(`aggregate differencing over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 7, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let marketer: Staff;
    let security: Staff;
    let clerk: Staff;
    let target: string;

    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      marketer = await signInStaff(send, t.adminToken, { role: 'marketing', now: clock.now });
      security = await signInStaff(send, t.adminToken, { role: 'security', now: clock.now });
      clerk = await signInStaff(send, t.adminToken, { role: 'store', now: clock.now });
      // 120 consenting customers in each of three decades, all on qq.com; the target is the one 1980s
      // customer on 163.com.
      let serial = 0;
      const consenting = async (birth: string, email: string) => {
        const view = await t.custos.vault.createCustomer(systemActor, {
          name: `Crowd ${++serial}`,
          birth_date: birth,
          email,
          phone: `+86 139 1000 ${String(1000 + serial)}`,
        });
        await t.custos.privacy.consents.set(systemActor, view.id, 'marketing', true, 'portal');
        return view.id;
      };
      for (const decade of ['197', '198', '199'])
        for (let i = 0; i < 120; i++)
          await consenting(`${decade}${i % 10}-04-0${(i % 9) + 1}`, `c${i}@qq.com`);
      target = await consenting('1986-11-23', 'target@163.com');
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const as = (s: Staff) => ({ authorization: `Bearer ${s.token}` });
    const stepUp = async (s: Staff) => {
      clock.advance(31_000);
      const res = await send('POST', '/v1/auth/step-up', { code: totp(s.secret, clock.now()) }, as(s));
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const signInAgain = async (s: Staff): Promise<Staff> => {
      const first = (await send(
        'POST',
        '/v1/auth/sign-in',
        { login: s.email, password: PASSWORD },
        {},
      )) as Reply;
      clock.advance(31_000);
      const second = (await send(
        'POST',
        '/v1/auth/second-factor',
        { code: totp(s.secret, clock.now()) },
        { authorization: `Bearer ${first.body.token}` },
      )) as Reply;
      assert.equal(second.status, 200, JSON.stringify(second.body));
      return { ...s, token: second.body.token };
    };
    const ask = async (dimensions: string[]): Promise<Reply> =>
      (await send(
        'POST',
        '/v1/exports',
        { kind: 'aggregate', purpose: 'marketing', dimensions },
        as(marketer),
      )) as Reply;
    const approve = async (id: string) =>
      assert.equal((await send('POST', `/v1/exports/${id}/approve`, undefined, as(security))).status, 200);
    const run = async (id: string): Promise<Reply> =>
      (await send('POST', `/v1/exports/${id}/run`, undefined, as(marketer))) as Reply;
    /** Ask, approve, run: the groups released. */
    const aggregate = async (dimensions: string[]): Promise<Reply> => {
      await stepUp(marketer);
      const asked = await ask(dimensions);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      await stepUp(security);
      await approve(asked.body.id);
      const ran = await run(asked.body.id);
      assert.equal(ran.status, 200, JSON.stringify(ran.body));
      return ran;
    };
    const find = (groups: Group[], values: Record<string, string>) =>
      groups.find((g) => Object.entries(values).every(([d, v]) => g.values[d] === v));

    test('the differencing pair and the withdrawal pair get noisy counts; the budget refuses a fifth', async () => {
      // Attack 1: by decade, then by decade and mail domain.
      const byDecade = await aggregate(['birth_decade']);
      const byDomain = await aggregate(['birth_decade', 'email_domain']);
      for (const ran of [byDecade, byDomain]) {
        assert.equal(ran.body.epsilon, 0.25);
        assert.equal(ran.body.threshold, 53);
        for (const g of ran.body.groups as Group[]) assert.ok(g.count >= 53, JSON.stringify(g));
      }
      assert.equal(byDecade.body.budgetRemaining, 0.75);
      assert.equal(byDomain.body.budgetRemaining, 0.5);
      assert.ok(
        !(byDomain.body.groups as Group[]).some((g) => g.values.email_domain === '163.com'),
        'the one-person group is never released',
      );

      // Attack 2: a clerk records the target's consent withdrawal between two aggregates by decade.
      const before = await aggregate(['birth_decade']);
      const opened = (await send(
        'POST',
        '/v1/cases',
        { customerId: target, purpose: 'complaint', channel: 'counter' },
        as(clerk),
      )) as Reply;
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      const withdrawn = await send(
        'PUT',
        `/v1/cases/${opened.body.id}/consents/marketing`,
        { granted: false },
        as(clerk),
      );
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));

      // The fourth aggregate fits the budget; a fifth, asked at the same time, does not run.
      await stepUp(marketer);
      const fourth = await ask(['birth_decade']);
      const fifth = await ask(['birth_decade']);
      assert.equal(fifth.status, 201, 'room for one more when asked');
      await stepUp(security);
      await approve(fourth.body.id);
      await approve(fifth.body.id);
      const after = await run(fourth.body.id);
      assert.equal(after.status, 200);
      assert.equal(after.body.budgetRemaining, 0);
      const refused = await run(fifth.body.id);
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error.code, 'PRIVACY_BUDGET_EXHAUSTED');
      assert.equal(
        ((await send('GET', `/v1/exports/${fifth.body.id}`, undefined, as(marketer))) as Reply).body.status,
        'approved',
        'still approved: it may run when the window has passed',
      );
      const sixth = await ask(['phone_segment']);
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.error.code, 'PRIVACY_BUDGET_EXHAUSTED');
      assert.ok(
        (await ledgerEntries(t.custos, 'access.denied')).some(
          (e) => e.actor === `staff:${marketer.staffId}` && e.data.code === 'PRIVACY_BUDGET_EXHAUSTED',
        ),
      );

      // The counts are not the truth: of twelve released groups, at least one is off (each is exact with
      // probability 0.12, all twelve with probability below 10⁻¹⁰).
      const truth: Array<[Reply, Record<string, string>, number]> = [];
      for (const [ran, eighties] of [
        [byDecade, 121],
        [before, 121],
        [after, 120],
      ] as const) {
        truth.push([ran, { birth_decade: '1970s' }, 120], [ran, { birth_decade: '1980s' }, eighties]);
        truth.push([ran, { birth_decade: '1990s' }, 120]);
      }
      for (const decade of ['1970s', '1980s', '1990s'])
        truth.push([byDomain, { birth_decade: decade, email_domain: 'qq.com' }, 120]);
      const released = truth.map(([ran, values, count]) => ({ group: find(ran.body.groups, values), count }));
      assert.ok(
        released.every((r) => r.group !== undefined),
        'crowds of 120 are released (below 53 with probability ~10⁻⁸ each)',
      );
      assert.ok(
        released.some((r) => r.group?.count !== r.count),
        'at least one count differs from the truth',
      );

      // Custos remembers what the marketer was released: four releases, ε 0.25 each, with their groups.
      const releases = await t.custos.database.db
        .selectFrom('aggregate_releases')
        .selectAll()
        .where('requested_by', '=', marketer.staffId)
        .execute();
      assert.equal(releases.length, 4);
      assert.ok(releases.every((r) => Number(r.epsilon_micro) === 250_000 && r.groups !== null));
      assert.deepEqual(
        JSON.parse(releases.find((r) => r.export_id === after.body.exportId)?.groups ?? 'null'),
        after.body.groups,
      );

      // Thirty days after the first release, the window has room again: the approved fifth runs.
      clock.advance(30 * DAY);
      marketer = await signInAgain(marketer);
      const later = await run(fifth.body.id);
      assert.equal(later.status, 200, JSON.stringify(later.body));
    });
  });
}
