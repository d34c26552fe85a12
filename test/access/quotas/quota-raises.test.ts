/**
 * Quotas under separation of duties, over HTTP against a real server (listening on loopback): nobody
 * changes their own quotas; an administrator alone only lowers a limit; a raise above the role's default
 * waits for security — never the requester, the beneficiary, a security account the requester brought in,
 * or one still cooling off — and ends after its hours; an approved raise is announced to the rest of
 * security.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { defaultQuotas } from '../../../src/access/quotas/quotas.ts';
import { buildServer } from '../../../src/http/server.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend } from '../../support/staff-session.ts';
import { type Person, staffPeople } from '../../support/staff-people.ts';

const HOUR = 3600_000;

for (const { dialect, skip } of await dialects()) {
  describe(`quota raises over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 9, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let people: ReturnType<typeof staffPeople>;
    let adminA: Person;
    let adminB: Person;
    let security: Person;
    let security2: Person;
    let clerk: Person;
    let newSecurity: Person;

    before(async () => {
      t = await testCustos(dialect, {
        clock,
        env: { CUSTOS_PRIVILEGED_COOLING_OFF_HOURS: '72', CUSTOS_SETUP_WINDOW_HOURS: '24' },
      });
      app = await buildServer(t.custos.server());
      const send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      people = staffPeople(send, clock, `q.${dialect}.${process.pid}`);
      adminA = await people.person(t.adminToken, 'admin.a', 'admin');
      adminB = await people.person(t.adminToken, 'admin.b', 'admin');
      security = await people.person(t.adminToken, 'security.s', 'security');
      security2 = await people.person(t.adminToken, 'security.t', 'security');
      clerk = await people.person(t.adminToken, 'clerk.c', 'store');
      newSecurity = await people.person(t.adminToken, 'security.new', 'security');
      clock.advance(73 * HOUR);
      for (const p of [adminA, adminB, security, security2, clerk]) await people.signIn(p);
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const put = (p: Person, staffId: string, quota: string, body: object) =>
      people.as(p, 'PUT', `/v1/staff/${staffId}/quotas/${quota}`, body);
    const refusedWith = (res: { status: number; body: unknown }, status: number, code: string) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal((res.body as { error: { code: string } }).error.code, code);
    };
    const limits = (p: Person) =>
      t.custos.access.quotas.limitsFor({ staffId: p.staffId, role: p.role as 'store' });

    test('nobody changes their own quotas, up or down', async () => {
      refusedWith(await put(adminA, adminA.staffId, 'reveal_day', { max: 100_000 }), 403, 'SAME_PERSON');
      refusedWith(await put(adminA, adminA.staffId, 'reveal_day', { max: 0 }), 403, 'SAME_PERSON');
      // A clerk is not allowed to touch quotas at all, their own included.
      refusedWith(await put(clerk, clerk.staffId, 'reveal_day', { max: 100_000 }), 403, 'ACCESS_DENIED');
      assert.equal((await limits(adminA)).reveal_day, defaultQuotas.admin.reveal_day);
    });

    test("an administrator alone lowers a clerk's limit at once, but a raise waits for security", async () => {
      assert.equal((await put(adminA, clerk.staffId, 'reveal_hour', { max: 2 })).status, 204);
      assert.equal((await limits(clerk)).reveal_hour, 2);

      const asked = await put(adminA, clerk.staffId, 'reveal_day', { max: 100_000, hours: 8 });
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const raise = asked.body as { id: string; status: string };
      assert.equal(raise.status, 'pending');
      assert.equal((await limits(clerk)).reveal_day, defaultQuotas.store.reveal_day, 'not in force yet');
      assert.deepEqual((await ledgerEntries(t.custos, 'quota.raise_requested')).at(-1)?.data, {
        raiseId: raise.id,
        staffId: clerk.staffId,
        quota: 'reveal_day',
        max: 100_000,
        hours: 8,
      });

      // Neither the requester, another admin, nor the clerk it is for can approve it.
      for (const p of [adminA, adminB, clerk]) {
        refusedWith(
          await people.stepped(p, 'POST', `/v1/quota-raises/${raise.id}/approve`),
          403,
          'ACCESS_DENIED',
        );
      }
      const pending = await people.as(security, 'GET', '/v1/quota-raises/pending');
      assert.deepEqual(
        (pending.body as Array<{ id: string }>).map((r) => r.id),
        [raise.id],
      );
    });

    test('a security account the requester brought in cannot approve their raise, cooled off or not', async () => {
      // Admin A makes a security officer with their own token; B approves the role (it is announced).
      const minted = await people.stepped(adminA, 'POST', '/v1/api-tokens', {
        label: 'A',
        scopes: ['staff_invite'],
      });
      const puppet = await people.person((minted.body as { token: string }).token, 'puppet.sec', 'security');
      assert.equal(
        (await people.stepped(adminB, 'POST', `/v1/staff/${puppet.staffId}/role-grant/approve`)).status,
        204,
      );
      const asked = await put(adminA, clerk.staffId, 'search_day', { max: 5000 });
      assert.equal(asked.status, 202);
      const raiseId = (asked.body as { id: string }).id;
      refusedWith(
        await people.stepped(puppet, 'POST', `/v1/quota-raises/${raiseId}/approve`),
        403,
        'APPROVER_NOT_INDEPENDENT',
      );
      clock.advance(73 * HOUR);
      for (const p of [adminA, security, security2, puppet]) await people.signIn(p);
      // The raise asked for three days ago has lapsed undecided: nobody can approve it any more.
      refusedWith(
        await people.stepped(security, 'POST', `/v1/quota-raises/${raiseId}/approve`),
        409,
        'APPROVAL_NOT_PENDING',
      );
      const again = await put(adminA, clerk.staffId, 'search_day', { max: 5000 });
      const againId = (again.body as { id: string }).id;
      refusedWith(
        await people.stepped(puppet, 'POST', `/v1/quota-raises/${againId}/approve`),
        403,
        'APPROVER_NOT_INDEPENDENT',
      );
      assert.equal((await limits(clerk)).search_day, defaultQuotas.store.search_day);
      // Rejecting needs no independence: the puppet may say no.
      assert.equal((await people.stepped(puppet, 'POST', `/v1/quota-raises/${againId}/reject`)).status, 200);
    });

    test('an independent security officer approves: in force for its hours, announced, then gone', async () => {
      const asked = await put(adminA, clerk.staffId, 'reveal_week', { max: 500, hours: 8 });
      const raiseId = (asked.body as { id: string }).id;
      const approved = await people.stepped(security, 'POST', `/v1/quota-raises/${raiseId}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal((approved.body as { status: string }).status, 'approved');
      assert.equal((await limits(clerk)).reveal_week, 500);
      refusedWith(
        await people.stepped(security2, 'POST', `/v1/quota-raises/${raiseId}/approve`),
        409,
        'APPROVAL_NOT_PENDING',
      );
      const told = (await people.as(security2, 'GET', '/v1/announcements')).body as Array<{
        kind: string;
        subjectId: string;
        decidedBy: string;
      }>;
      assert.ok(
        told.some(
          (a) =>
            a.kind === 'quota_raise.approved' && a.subjectId === raiseId && a.decidedBy === security.staffId,
        ),
      );
      assert.deepEqual((await ledgerEntries(t.custos, 'quota.raise_decided')).at(-1)?.data, {
        raiseId,
        staffId: clerk.staffId,
        approved: true,
      });
      clock.advance(8 * HOUR + 1);
      assert.equal((await limits(clerk)).reveal_week, defaultQuotas.store.reveal_week, 'the raise ended');
    });

    test('after setup the operator makes no security officer; one made at setup, independent, approves', async () => {
      refusedWith(await people.invite(t.adminToken, 'late.sec', 'security'), 403, 'SETUP_CLOSED');
      await people.signIn(newSecurity);
      await people.signIn(adminA);
      const asked = await put(adminA, clerk.staffId, 'reveal_week', { max: 400 });
      const raiseId = (asked.body as { id: string }).id;
      // newSecurity was made at setup, more than 72 hours ago: past cooling-off, and independent of A.
      assert.equal(
        (await people.stepped(newSecurity, 'POST', `/v1/quota-raises/${raiseId}/approve`)).status,
        200,
      );
    });
  });
}
