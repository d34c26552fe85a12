/**
 * The sockpuppet attack on four eyes, over HTTP against a real server (listening on loopback): one person
 * holding the operator's token, then an administrator's, makes a second admin and a security officer of
 * their own and has them approve their policy change and their export. Every approval of theirs is refused
 * with a code (cooling-off, not independent, same person); privileged roles need a second, independent
 * administrator; the operator's token loses that power when setup ends; approvals are announced to the
 * rest of the approving role, and an independent colleague's approval still works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { systemActor } from '../../../src/platform/actor.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send } from '../../support/staff-session.ts';
import { type Person, staffPeople } from '../../support/staff-people.ts';

const HOUR = 3600_000;

for (const { dialect, skip } of await dialects()) {
  describe(`separation of duties over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 9, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let people: ReturnType<typeof staffPeople>;
    let customers: string[];
    // Set up by the operator: two real administrators, a real security officer, a clerk.
    let adminA: Person;
    let adminB: Person;
    let adminC: Person;
    let security: Person;

    before(async () => {
      t = await testCustos(dialect, {
        clock,
        env: { CUSTOS_PRIVILEGED_COOLING_OFF_HOURS: '72', CUSTOS_SETUP_WINDOW_HOURS: '24' },
      });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      people = staffPeople(send, clock, `${dialect}.${process.pid}`);
      adminA = await people.person(t.adminToken, 'admin.a', 'admin');
      adminB = await people.person(t.adminToken, 'admin.b', 'admin');
      adminC = await people.person(t.adminToken, 'admin.c', 'admin');
      security = await people.person(t.adminToken, 'security.s', 'security');
      customers = [];
      for (let i = 0; i < 3; i++) {
        const view = await t.custos.vault.createCustomer(systemActor, {
          name: `Customer ${i}`,
          phone: `+86 139 0000 ${1000 + i}`,
        });
        customers.push(view.id);
      }
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const live = async (p: Person) =>
      ((await people.as(p, 'GET', '/v1/policies')).body as { text: string }).text;
    const propose = async (p: Person, comment: string) => {
      const res = await people.stepped(p, 'POST', '/v1/policies/proposals', {
        text: `${await live(p)}\n// ${comment}\n`,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return (res.body as { id: string }).id;
    };
    const requestExport = async (p: Person) => {
      const res = await people.stepped(p, 'POST', '/v1/exports', {
        kind: 'records',
        purpose: 'legal_obligation',
        customerIds: customers,
        fields: ['name'],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return (res.body as { id: string }).id;
    };
    const refusedWith = (res: { status: number; body: unknown }, code: string) => {
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal((res.body as { error: { code: string } }).error.code, code);
    };
    const later = async (hours: number, ...who: Person[]) => {
      clock.advance(hours * HOUR);
      for (const p of who) await people.signIn(p);
    };

    test('during setup: sockpuppets made with the operator token cannot approve while cooling off', async () => {
      const puppetAdmin = await people.person(t.adminToken, 'puppet.admin', 'admin');
      const puppetSecurity = await people.person(t.adminToken, 'puppet.security', 'security');
      assert.equal(puppetAdmin.pending, false, 'the operator makes the first administrators during setup');

      const proposal = await propose(adminA, 'widened by A');
      refusedWith(
        await people.stepped(puppetAdmin, 'POST', `/v1/policies/proposals/${proposal}/approve`),
        'APPROVER_COOLING_OFF',
      );
      const exportId = await requestExport(adminA);
      refusedWith(
        await people.stepped(puppetSecurity, 'POST', `/v1/exports/${exportId}/approve`),
        'APPROVER_COOLING_OFF',
      );
      // A clerk's national-ID reveal approval: the puppet security officer cannot approve it either.
      const clerk = await people.person(t.adminToken, 'clerk.k', 'store');
      const { code } = await t.custos.access.presenceCodes.issue(systemActor, customers[0] as string);
      const opened = await people.as(clerk, 'POST', '/v1/cases', {
        customerId: customers[0],
        purpose: 'identity_check',
        channel: 'counter',
        presenceCode: code,
      });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      const asked = await people.stepped(
        clerk,
        'POST',
        `/v1/cases/${(opened.body as { id: string }).id}/reveal-approvals`,
        {
          fields: ['national_id'],
          reason: 'customer at the counter asked to check their ID',
        },
      );
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const approvalId = (asked.body as { id: string }).id;
      refusedWith(
        await people.stepped(puppetSecurity, 'POST', `/v1/reveal-approvals/${approvalId}/approve`),
        'APPROVER_COOLING_OFF',
      );
      assert.equal(
        ((await people.as(clerk, 'GET', `/v1/reveal-approvals/${approvalId}`)).body as { status: string })
          .status,
        'pending',
      );
      // Nothing was approved: the policy is unchanged and the export cannot run.
      assert.ok(!(await live(adminA)).includes('widened by A'));
      refusedWith(await people.stepped(adminA, 'POST', `/v1/exports/${exportId}/run`), 'APPROVAL_REQUIRED');
      await people.stepped(adminA, 'POST', `/v1/policies/proposals/${proposal}/reject`);
    });

    test('after setup: the operator token makes no administrator; a privileged invitation waits for a second, independent admin', async () => {
      await later(73, adminA, adminB, security);
      refusedWith(await people.invite(t.adminToken, 'late.admin', 'admin'), 'SETUP_CLOSED');
      refusedWith(await people.invite(t.adminToken, 'late.security', 'security'), 'SETUP_CLOSED');
      assert.deepEqual(
        (await ledgerEntries(t.custos, 'setup.closed')).map((e) => e.data),
        [{ how: 'window_elapsed' }],
      );
      // A non-privileged invitation from the operator still works.
      assert.equal((await people.invite(t.adminToken, 'clerk.c', 'store')).status, 201);

      // Admin A mints a token of their own and invites their puppets with it: both wait.
      const minted = await people.stepped(adminA, 'POST', '/v1/api-tokens', {
        label: 'A invites',
        scopes: ['staff_invite'],
      });
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      const tokenA = (minted.body as { token: string }).token;
      const puppet = await people.person(tokenA, 'puppet2.admin', 'admin');
      const puppetSec = await people.person(tokenA, 'puppet2.security', 'security');
      assert.equal(puppet.pending, true);
      assert.equal(puppetSec.pending, true);
      refusedWith(await people.as(puppet, 'GET', '/v1/policies'), 'ROLE_PENDING_APPROVAL');
      refusedWith(await people.as(puppetSec, 'GET', '/v1/exports/pending'), 'ROLE_PENDING_APPROVAL');
      // Nor can a pending puppet approve its twin's role.
      refusedWith(
        await people.as(puppet, 'POST', `/v1/staff/${puppetSec.staffId}/role-grant/approve`),
        'ROLE_PENDING_APPROVAL',
      );

      // The inviter may withdraw an invitation (refusing needs no independence): that account never acts.
      const withdrawn = await people.person(tokenA, 'withdrawn.admin', 'admin');
      assert.equal(
        (await people.stepped(adminA, 'POST', `/v1/staff/${withdrawn.staffId}/role-grant/reject`)).status,
        204,
      );
      refusedWith(await people.as(withdrawn, 'GET', '/v1/policies'), 'ACCOUNT_SUSPENDED');
      const late = await people.stepped(adminB, 'POST', `/v1/staff/${withdrawn.staffId}/role-grant/approve`);
      assert.equal(late.status, 409);
      assert.equal((late.body as { error: { code: string } }).error.code, 'APPROVAL_NOT_PENDING');
      // A approves their own invitees: refused.
      refusedWith(
        await people.stepped(adminA, 'POST', `/v1/staff/${puppet.staffId}/role-grant/approve`),
        'SAME_PERSON',
      );
      const waiting = await people.as(adminB, 'GET', '/v1/staff/role-grants/pending');
      assert.deepEqual(
        (waiting.body as Array<{ staffId: string; invitedBy: string }>).map((g) => [g.staffId, g.invitedBy]),
        [
          [puppet.staffId, adminA.staffId],
          [puppetSec.staffId, adminA.staffId],
        ],
      );
      // B, independent, approves both (B is deceived — or careless); A and every other admin are told.
      for (const p of [puppet, puppetSec]) {
        const ok = await people.stepped(adminB, 'POST', `/v1/staff/${p.staffId}/role-grant/approve`);
        assert.equal(ok.status, 204, JSON.stringify(ok.body));
      }
      const told = (await people.as(adminA, 'GET', '/v1/announcements')).body as Array<{
        kind: string;
        subjectId: string;
        decidedBy: string;
        requestedBy: string;
      }>;
      assert.deepEqual(
        told
          .filter((a) => a.kind === 'staff.role_approved')
          .map((a) => [a.subjectId, a.decidedBy, a.requestedBy]),
        [
          [puppetSec.staffId, adminB.staffId, adminA.staffId],
          [puppet.staffId, adminB.staffId, adminA.staffId],
        ],
      );
      assert.equal(
        ((await people.as(adminB, 'GET', '/v1/announcements')).body as unknown[]).length,
        0,
        'an approver is not announced their own approvals',
      );
      const decided = await ledgerEntries(t.custos, 'staff.role_decided');
      assert.equal(decided.filter((e) => e.data.approved).length, 2);

      // Even after cooling off, A's puppets approve nothing of A's, and A nothing of theirs.
      await later(73, adminA, adminB, security, puppet, puppetSec);
      const proposal = await propose(adminA, 'widened by A again');
      refusedWith(
        await people.stepped(puppet, 'POST', `/v1/policies/proposals/${proposal}/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
      const exportId = await requestExport(adminA);
      refusedWith(
        await people.stepped(puppetSec, 'POST', `/v1/exports/${exportId}/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
      const puppetsProposal = await propose(puppet, 'widened by the puppet');
      refusedWith(
        await people.stepped(adminA, 'POST', `/v1/policies/proposals/${puppetsProposal}/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
      // B approved the puppet, so B is on its chain too: B cannot approve what the puppet asks.
      // Along the chain: the puppet's own token invites a third account; C approves it; it is A's still.
      const puppetToken = (
        (await people.stepped(puppet, 'POST', '/v1/api-tokens', { label: 'p', scopes: ['staff_invite'] }))
          .body as { token: string }
      ).token;
      const puppet3 = await people.person(puppetToken, 'puppet3.admin', 'admin');
      refusedWith(
        await people.stepped(adminB, 'POST', `/v1/staff/${puppet3.staffId}/role-grant/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
      await people.signIn(adminC);
      assert.equal(
        (await people.stepped(adminC, 'POST', `/v1/staff/${puppet3.staffId}/role-grant/approve`)).status,
        204,
      );
      await later(73, adminA, adminB, security, puppet3);
      const third = await propose(adminA, 'widened by A a third time');
      refusedWith(
        await people.stepped(puppet3, 'POST', `/v1/policies/proposals/${third}/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
      assert.ok(!(await live(adminA)).includes('widened by A'));
      // Each refusal is in the ledger, against the would-be approver.
      const denied = (await ledgerEntries(t.custos, 'access.denied')).filter(
        (e) => e.data.action === 'approve',
      );
      assert.ok(
        denied.some(
          (e) => e.actor === `staff:${puppet3.staffId}` && e.data.code === 'APPROVER_NOT_INDEPENDENT',
        ),
      );
      assert.ok(denied.some((e) => e.actor === `staff:${puppetSec.staffId}`));

      // Independent colleagues still approve, and their role hears of it.
      const approved = await people.stepped(adminB, 'POST', `/v1/policies/proposals/${third}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const exportAgain = await requestExport(adminA);
      const byS = await people.stepped(security, 'POST', `/v1/exports/${exportAgain}/approve`);
      assert.equal(byS.status, 200, JSON.stringify(byS.body));
      await people.signIn(puppetSec);
      const securityTold = (await people.as(puppetSec, 'GET', '/v1/announcements')).body as Array<{
        kind: string;
        subjectId: string;
      }>;
      assert.ok(securityTold.some((a) => a.kind === 'export.approved' && a.subjectId === exportAgain));
      const adminsTold = (await people.as(adminA, 'GET', '/v1/announcements')).body as Array<{
        kind: string;
        subjectId: string;
      }>;
      assert.ok(adminsTold.some((a) => a.kind === 'policy.approved' && a.subjectId === third));
    });

    test('a direct edit that makes an inviting cycle is refused, not followed forever', async () => {
      const db = t.custos.database.db;
      await db
        .updateTable('staff')
        .set({ invited_by: adminB.staffId })
        .where('id', '=', adminA.staffId)
        .execute();
      await db
        .updateTable('staff')
        .set({ invited_by: adminA.staffId })
        .where('id', '=', adminB.staffId)
        .execute();
      const proposal = await propose(adminA, 'cycle');
      refusedWith(
        await people.stepped(adminB, 'POST', `/v1/policies/proposals/${proposal}/approve`),
        'APPROVER_NOT_INDEPENDENT',
      );
    });
  });
}
