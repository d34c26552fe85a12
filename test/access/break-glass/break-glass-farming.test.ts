/**
 * Break-glass farming (issue 10, side door 4), attacked over HTTP against a real server listening on
 * loopback, on both dialects: six break-glass in a row, a burst in parallel, the weekly cap, and an
 * unjustified review that takes break-glass away and raises an alert naming the account, until security
 * restores it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BREAK_GLASS_WEEK_MS } from '../../../src/access/break-glass/break-glass.service.ts';
import { buildServer } from '../../../src/http/server.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../../src/platform/actor.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send, signInStaff } from '../../support/staff-session.ts';

type Staff = Awaited<ReturnType<typeof signInStaff>>;
const PASSWORD = 'a long and unusual passphrase';

for (const { dialect, skip } of await dialects()) {
  describe(`break-glass cannot be farmed, over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 7, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let serial = 0;

    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const as = (s: Staff) => ({ authorization: `Bearer ${s.token}` });
    const staff = (role: string) => signInStaff(send, t.adminToken, { role, now: clock.now });
    /** Sign the same person in again (after the test clock ended their session). */
    const signInAgain = async (s: Staff): Promise<Staff> => {
      const first = await send('POST', '/v1/auth/sign-in', { login: s.email, password: PASSWORD }, {});
      assert.equal(first.status, 200, JSON.stringify(first.body));
      clock.advance(31_000);
      const second = await send(
        'POST',
        '/v1/auth/second-factor',
        { code: totp(s.secret, clock.now()) },
        { authorization: `Bearer ${(first.body as { token: string }).token}` },
      );
      assert.equal(second.status, 200, JSON.stringify(second.body));
      return { ...s, token: (second.body as { token: string }).token };
    };
    const stepUp = async (s: Staff) => {
      clock.advance(31_000);
      const res = await send('POST', '/v1/auth/step-up', { code: totp(s.secret, clock.now()) }, as(s));
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const customer = async () => {
      serial++;
      const view = await t.custos.vault.createCustomer(systemActor, {
        name: `Farmed ${serial}`,
        phone: `+86 139 0000 ${String(2000 + serial)}`,
      });
      return view.id;
    };
    const breakGlass = async (s: Staff, customerId?: string) => {
      const res = await send(
        'POST',
        '/v1/break-glass',
        {
          customerId: customerId ?? (await customer()),
          purpose: 'repair',
          reason: 'Customer stranded abroad, phone lost, manager unreachable',
        },
        as(s),
      );
      return res as { status: number; body: { id: string; error?: { code: string } } };
    };
    const review = async (security: Staff, caseId: string, outcome: string) =>
      (await send('POST', `/v1/break-glass/${caseId}/review`, { outcome }, as(security))).status;
    const alerts = async (security: Staff) =>
      (await send('GET', '/v1/alerts', undefined, as(security))).body as {
        alerts: Array<{ kind: string; severity: string; staff: string; data: Record<string, unknown> }>;
      };

    test('six in a row: the second to sixth are refused while the first is unreviewed', async () => {
      const clerk = await staff('store');
      const first = await breakGlass(clerk);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      for (let i = 2; i <= 6; i++) {
        const next = await breakGlass(clerk);
        assert.equal(next.status, 409, `break-glass #${i}`);
        assert.equal(next.body.error?.code, 'BREAK_GLASS_UNREVIEWED');
      }
      // Each refusal is in the ledger for the watcher; only one case was opened.
      const denied = (await ledgerEntries(t.custos, 'access.denied')).filter(
        (e) => e.actor.endsWith(clerk.staffId) && e.data.code === 'BREAK_GLASS_UNREVIEWED',
      );
      assert.equal(denied.length, 5);
      const opened = (await ledgerEntries(t.custos, 'case.opened')).filter(
        (e) => e.data.breakGlass && e.actor.endsWith(clerk.staffId),
      );
      assert.equal(opened.length, 1);
    });

    test('a parallel burst opens one break-glass, not five', async () => {
      const clerk = await staff('support');
      const burst = await Promise.all(Array.from({ length: 5 }, () => customer()));
      const results = await Promise.all(burst.map((id) => breakGlass(clerk, id)));
      assert.deepEqual(
        results.map((r) => r.status).sort(),
        [201, 409, 409, 409, 409],
        JSON.stringify(results.map((r) => r.body)),
      );
    });

    test('after reviews, the weekly cap refuses; a week later it allows again', async () => {
      let clerk = await staff('store');
      const security = await staff('security');
      const first = await breakGlass(clerk);
      assert.equal(first.status, 201);
      assert.equal(await review(security, first.body.id, 'justified'), 204);
      await stepUp(clerk);
      const second = await breakGlass(clerk);
      assert.equal(second.status, 201, 'the cap is 2 a week by default');
      assert.equal(await review(security, second.body.id, 'justified'), 204);
      await stepUp(clerk);
      const third = await breakGlass(clerk);
      assert.equal(third.status, 429);
      assert.equal(third.body.error?.code, 'BREAK_GLASS_LIMIT');

      clock.advance(BREAK_GLASS_WEEK_MS - 3600_000);
      clerk = await signInAgain(clerk);
      assert.equal((await breakGlass(clerk)).body.error?.code, 'BREAK_GLASS_LIMIT', 'still within 7 days');
      clock.advance(3600_000);
      clerk = await signInAgain(clerk);
      assert.equal((await breakGlass(clerk)).status, 201, 'the first two left the window');
    });

    test('an unjustified review withdraws break-glass and raises an alert to contain the account, until security restores it', async () => {
      let clerk = await staff('store');
      const security = await staff('security');
      const abused = await breakGlass(clerk);
      assert.equal(abused.status, 201);
      assert.equal(await review(security, abused.body.id, 'unjustified'), 204);

      await stepUp(clerk);
      const next = await breakGlass(clerk);
      assert.equal(next.status, 403);
      assert.equal(next.body.error?.code, 'BREAK_GLASS_WITHDRAWN');

      const open = (await alerts(security)).alerts.filter(
        (a) => a.kind === 'break_glass_withdrawn' && a.staff === t.custos.watch.pseudonyms.of(clerk.staffId),
      );
      assert.equal(open.length, 1, 'one alert names the account (by pseudonym)');
      assert.equal(open[0]?.severity, 'critical');
      assert.equal(open[0]?.data.caseId, abused.body.id);
      const reviewed = (await ledgerEntries(t.custos, 'break_glass.reviewed')).find(
        (e) => e.data.caseId === abused.body.id,
      );
      assert.equal(reviewed?.data.withdrawn, true);

      // The clerk cannot give it back to themselves, nor can a colleague of their role; security can.
      assert.equal(
        (await send('POST', `/v1/break-glass/staff/${clerk.staffId}/restore`, undefined, as(clerk))).status,
        403,
      );
      const colleague = await staff('store');
      assert.equal(
        (await send('POST', `/v1/break-glass/staff/${clerk.staffId}/restore`, undefined, as(colleague)))
          .status,
        403,
      );
      // Signing in again does not reset it.
      clerk = await signInAgain(clerk);
      assert.equal((await breakGlass(clerk)).body.error?.code, 'BREAK_GLASS_WITHDRAWN');

      const restored = await send(
        'POST',
        `/v1/break-glass/staff/${clerk.staffId}/restore`,
        undefined,
        as(security),
      );
      assert.equal(restored.status, 204, JSON.stringify(restored.body));
      const again = await send(
        'POST',
        `/v1/break-glass/staff/${clerk.staffId}/restore`,
        undefined,
        as(security),
      );
      assert.equal(
        (again.body as { error: { code: string } }).error.code,
        'NOT_FOUND',
        'nothing left to restore',
      );
      assert.ok(
        (await ledgerEntries(t.custos, 'break_glass.restored')).some((e) => e.data.staffId === clerk.staffId),
      );
      await stepUp(clerk);
      assert.equal((await breakGlass(clerk)).status, 201);
    });
  });
}
