/**
 * Export caps and large exports (issue 10, side door 1's "ten 1,000-id exports"), attacked over HTTP
 * against a real server listening on loopback, on both dialects, with the default settings (a requester:
 * 1,000 distinct customers a day, 2,000 a week; an approver: 2,000 a day; more than 200 customers is large:
 * two security approvers, then 24 hours announced to all of security) on a manual clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
type Reply = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const PASSWORD = 'a long and unusual passphrase';
const HOUR = 3_600_000;
const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

for (const { dialect, skip } of await dialects()) {
  describe(`export caps and large exports over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 7, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;

    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const staff = (role: string) => signInStaff(send, t.adminToken, { role, now: clock.now });
    const as = (s: Staff) => ({ authorization: `Bearer ${s.token}` });
    /** A fresh session (after the test clock ended the last one), which is also a fresh step-up. */
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
    const stepUp = async (s: Staff) => {
      clock.advance(31_000);
      const res = await send('POST', '/v1/auth/step-up', { code: totp(s.secret, clock.now()) }, as(s));
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const exportOf = async (s: Staff, customerIds: string[]): Promise<Reply> => {
      await stepUp(s);
      return (await send(
        'POST',
        '/v1/exports',
        { kind: 'records', purpose: 'service_notice', customerIds, fields: ['phone'] },
        as(s),
      )) as Reply;
    };
    const decide = async (s: Staff, id: string, verb: 'approve' | 'reject'): Promise<Reply> => {
      await stepUp(s);
      return (await send('POST', `/v1/exports/${id}/${verb}`, undefined, as(s))) as Reply;
    };
    const run = async (s: Staff, id: string): Promise<Reply> => {
      await stepUp(s);
      return (await send('POST', `/v1/exports/${id}/run`, undefined, as(s))) as Reply;
    };
    const openAlerts = async (s: Staff) =>
      ((await send('GET', '/v1/alerts', undefined, as(s))) as Reply).body.alerts as Array<{
        kind: string;
        staff: string;
        data: Record<string, unknown>;
      }>;

    test('ten 1,000-customer exports: the second is refused at the day cap, the third at the week cap', async () => {
      let harvester = await staff('support');
      const first = await exportOf(harvester, ids(1000));
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.quorum, 2, 'a large export');

      const second = await exportOf(harvester, ids(1000));
      assert.equal(second.status, 429);
      assert.equal(second.body.error.code, 'EXPORT_CAP_EXCEEDED');
      // Splitting does not help: not even one more customer today; the same thousand again adds nobody.
      assert.equal((await exportOf(harvester, ids(1))).body.error?.code, 'EXPORT_CAP_EXCEEDED');
      const refusals = (await ledgerEntries(t.custos, 'access.denied')).filter(
        (e) => e.actor === `staff:${harvester.staffId}` && e.data.code === 'EXPORT_CAP_EXCEEDED',
      );
      assert.equal(refusals.length, 2, 'refusals are ledgered for the watcher');

      clock.advance(24 * HOUR);
      harvester = await signInAgain(harvester);
      assert.equal((await exportOf(harvester, ids(1000))).status, 201, 'a new day: 2,000 this week');
      clock.advance(24 * HOUR);
      harvester = await signInAgain(harvester);
      const third = await exportOf(harvester, ids(1000));
      assert.equal(third.status, 429);
      assert.match(third.body.error.message, /2000 distinct customers in 7 days/);
    });

    test('one approver cannot wave several harvests through: 2,000 distinct customers a day', async () => {
      const approver = await staff('security');
      const requests: string[] = [];
      for (let i = 0; i < 3; i++) {
        const asked = await exportOf(await staff('support'), ids(1000));
        assert.equal(asked.status, 201);
        requests.push(asked.body.id);
      }
      assert.equal((await decide(approver, requests[0] as string, 'approve')).status, 200);
      assert.equal((await decide(approver, requests[1] as string, 'approve')).status, 200);
      const third = await decide(approver, requests[2] as string, 'approve');
      assert.equal(third.status, 429);
      assert.equal(third.body.error.code, 'EXPORT_CAP_EXCEEDED');
    });

    test('a large export needs two security approvers and a waiting period announced to all of security', async () => {
      let requester = await staff('support');
      const [s1, s2] = [await staff('security'), await staff('security')];
      let s3 = await staff('security');
      const real: string[] = [];
      for (let i = 0; i < 3; i++) {
        const view = await t.custos.vault.createCustomer(systemActor, {
          name: `Exported ${i}`,
          phone: `+86 137 0000 ${1000 + i}`,
        });
        real.push(view.id);
      }
      const asked = await exportOf(requester, [...real, ...ids(297)]);
      assert.equal(asked.status, 201);
      const id = asked.body.id as string;
      const announced = (await openAlerts(s3)).filter((a) => a.data.exportId === id);
      assert.deepEqual(
        announced.map((a) => a.kind),
        ['large_export_requested'],
        'every security member sees it asked for',
      );

      assert.equal((await run(requester, id)).body.error.code, 'APPROVAL_REQUIRED');
      assert.equal((await decide(requester, id, 'approve')).status, 403, 'not the requester');
      const one = await decide(s1, id, 'approve');
      assert.equal(one.status, 200);
      assert.deepEqual([one.body.status, one.body.approvals, one.body.quorum], ['pending', 1, 2]);
      assert.equal((await decide(s1, id, 'approve')).body.error.code, 'SAME_PERSON', 'one vote each');
      assert.equal(
        (await run(requester, id)).body.error.code,
        'APPROVAL_REQUIRED',
        'one approver is not enough',
      );

      const two = await decide(s2, id, 'approve');
      assert.equal(two.status, 200);
      assert.equal(two.body.status, 'approved');
      const runnableAfter = Date.parse(two.body.runnableAfter);
      assert.equal(runnableAfter, clock.now() + 24 * HOUR);
      const approvedAlert = (await openAlerts(s3)).find(
        (a) => a.kind === 'large_export_approved' && a.data.exportId === id,
      );
      // Security reads the approvers by pseudonym.
      assert.deepEqual(
        approvedAlert?.data.approvers,
        [s1.staffId, s2.staffId].map((id) => t.custos.watch.pseudonyms.of(id)),
      );

      const early = await run(requester, id);
      assert.equal(early.status, 409);
      assert.equal(early.body.error.code, 'EXPORT_WAITING');
      clock.advance(runnableAfter - clock.now() - 5 * 60_000);
      requester = await signInAgain(requester);
      assert.equal((await run(requester, id)).body.error.code, 'EXPORT_WAITING', 'minutes before');
      clock.advance(5 * 60_000);
      const ran = await run(requester, id);
      assert.equal(ran.status, 200, JSON.stringify(ran.body));
      assert.deepEqual(ran.body.records.map((r: { customerId: string }) => r.customerId).sort(), real.sort());

      // During the waiting period any other security member may still reject it: a veto.
      let other = await staff('support');
      const vetoed = (await exportOf(other, ids(300))).body.id as string;
      const [v1, v2] = [await staff('security'), await staff('security')];
      assert.equal((await decide(v1, vetoed, 'approve')).status, 200);
      assert.equal((await decide(v2, vetoed, 'approve')).body.status, 'approved');
      s3 = await signInAgain(s3);
      const veto = await decide(s3, vetoed, 'reject');
      assert.equal(veto.status, 200);
      assert.equal(veto.body.status, 'rejected');
      clock.advance(25 * HOUR);
      other = await signInAgain(other);
      assert.equal((await run(other, vetoed)).body.error.code, 'APPROVAL_REQUIRED');
    });

    test('a direct database edit to approved does not make a large export runnable', async () => {
      const requester = await staff('support');
      const id = (await exportOf(requester, ids(250))).body.id as string;
      await t.custos.database.db
        .updateTable('exports')
        .set({ status: 'approved', decided_by: randomUUID(), decided_at: clock.now() })
        .where('id', '=', id)
        .execute();
      const res = await run(requester, id);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'APPROVAL_REQUIRED');
    });
  });
}
