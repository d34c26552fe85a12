/**
 * API tokens attacked over HTTP against a real server (listening on loopback): an administrator's token does
 * not read ledger entries (they name customers) — only an auditor's `ledger_read` token, minted by security;
 * a staff member mints only scopes their role grants, for a bounded time, with a fresh second factor; tokens
 * are listed and revoked over the API, and stop working when revoked, expired, or when their owner is
 * suspended; a direct edit of a token's scopes grants nothing its owner's role does not; every creation and
 * revocation is ledgered. Ledger proofs (hashes only) stay public.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send } from '../../support/staff-session.ts';
import { type Person, staffPeople } from '../../support/staff-people.ts';

const HOUR = 3600_000;

for (const { dialect, skip } of await dialects()) {
  describe(`API tokens over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 9, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let people: ReturnType<typeof staffPeople>;
    let admin: Person;
    let security: Person;

    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      people = staffPeople(send, clock, `tok.${dialect}.${process.pid}`);
      admin = await people.person(t.adminToken, 'admin.a', 'admin');
      security = await people.person(t.adminToken, 'auditor.s', 'security');
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const withToken = (token: string, method: string, url: string, body?: object) =>
      send(method, url, body, people.bearer(token));
    const code = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;
    const mint = async (p: Person, body: object) => people.stepped(p, 'POST', '/v1/api-tokens', body);
    const invite = (token: string, name: string) => people.invite(token, name, 'store');

    test("ledger entries need the auditor's scope: not the operator's token, not an administrator's", async () => {
      const entry = `/v1/ledger/entries/${t.custos.ledger.size() - 1}`;
      const operator = await withToken(t.adminToken, 'GET', entry);
      assert.equal(operator.status, 403);
      assert.equal(code(operator), 'FORBIDDEN');
      const adminRefused = await mint(admin, { label: 'read the ledger', scopes: ['ledger_read'] });
      assert.equal(adminRefused.status, 403);
      assert.equal(code(adminRefused), 'FORBIDDEN');

      const minted = await mint(security, { label: 'audit', scopes: ['ledger_read'], hours: 8 });
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      const auditor = (minted.body as { token: string; expiresAt: number }).token;
      assert.equal((minted.body as { expiresAt: number }).expiresAt, clock.now() + 8 * HOUR);
      const read = await withToken(auditor, 'GET', entry);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      // The auditor's token does nothing else.
      assert.equal((await invite(auditor, 'by.auditor')).status, 403);
      // Proofs carry hashes and sizes only: public.
      const size = t.custos.ledger.size();
      const proof = await send('GET', `/v1/ledger/proofs/consistency?from=1&to=${size}`, undefined, {});
      assert.equal(proof.status, 200);
      assert.ok(!JSON.stringify(proof.body).includes(admin.staffId));
    });

    test('a staff token: only the scopes the role grants, bounded in time, with a fresh second factor', async () => {
      for (const [body, status, expected] of [
        [{ label: 'x', scopes: ['setup'] }, 403, 'FORBIDDEN'],
        [{ label: 'x', scopes: [] }, 400, 'VALIDATION_FAILED'],
        [{ label: 'x', scopes: ['root'] }, 400, 'VALIDATION_FAILED'],
        [{ label: 'x', scopes: ['staff_invite'], hours: 24 * 365 }, 400, 'VALIDATION_FAILED'],
      ] as const) {
        const res = await mint(admin, body);
        assert.equal(res.status, status, JSON.stringify(body));
        assert.equal(code(res), expected);
      }
      clock.advance(5 * 60_000 + 1);
      const stale = await people.as(admin, 'POST', '/v1/api-tokens', {
        label: 'x',
        scopes: ['staff_invite'],
      });
      assert.equal(stale.status, 401);
      assert.equal(code(stale), 'STEP_UP_REQUIRED');

      const minted = await mint(admin, { label: 'onboarding', scopes: ['staff_invite'] });
      assert.equal(minted.status, 201);
      const { id, token, expiresAt } = minted.body as { id: string; token: string; expiresAt: number };
      assert.equal(expiresAt, clock.now() + 7 * 24 * HOUR, 'a week unless asked for less');
      assert.equal((await invite(token, 'clerk.one')).status, 201);
      // Only the scopes it holds: it cannot suspend.
      const suspend = await withToken(token, 'POST', `/v1/staff/accounts/${admin.staffId}/suspend`);
      assert.equal(suspend.status, 403);
      const created = (await ledgerEntries(t.custos, 'api_token.created')).find((e) => e.data.tokenId === id);
      assert.deepEqual(created?.data, {
        tokenId: id,
        kind: 'staff',
        ownerStaffId: admin.staffId,
        scopes: ['staff_invite'],
        expiresAt,
      });
      assert.equal(created?.actor, `staff:${admin.staffId}`);

      clock.advance(7 * 24 * HOUR);
      const expired = await invite(token, 'clerk.late');
      assert.equal(expired.status, 401);
      assert.equal(code(expired), 'AUTH_INVALID');
    });

    test('listed and revoked over the API; dead when revoked, when its owner is suspended, or edited', async () => {
      await people.signIn(admin);
      await people.signIn(security);
      const a = (await mint(admin, { label: 'a', scopes: ['staff_invite', 'staff_suspend'], hours: 48 }))
        .body as { id: string; token: string };
      const s = (await mint(security, { label: 's', scopes: ['ledger_read'], hours: 48 })).body as {
        id: string;
        token: string;
      };
      const listed = (await people.as(admin, 'GET', '/v1/api-tokens')).body as Array<{ id: string }>;
      assert.ok(listed.some((x) => x.id === a.id) && listed.some((x) => x.id === s.id));
      assert.ok(!JSON.stringify(listed).includes(a.token), 'never the secret');
      const own = (await people.as(security, 'GET', '/v1/api-tokens')).body as Array<{ id: string }>;
      assert.ok(
        own.every((x) => x.id !== a.id),
        'security sees only its own',
      );
      // Security cannot revoke an administrator's token (it is not theirs): it looks like no token at all.
      const notTheirs = await people.as(security, 'DELETE', `/v1/api-tokens/${a.id}`);
      assert.equal(notTheirs.status, 404);

      // A direct edit that gives the admin's token the auditor's scope grants nothing: the role decides.
      await t.custos.database.db
        .updateTable('api_tokens')
        .set({ scopes: 'staff_invite staff_suspend ledger_read' })
        .where('id', '=', a.id)
        .execute();
      assert.equal((await withToken(a.token, 'GET', '/v1/ledger/entries/0')).status, 403);

      assert.equal((await people.as(security, 'DELETE', `/v1/api-tokens/${s.id}`)).status, 204);
      const revoked = await withToken(s.token, 'GET', '/v1/ledger/entries/0');
      assert.equal(revoked.status, 401);
      assert.ok((await ledgerEntries(t.custos, 'api_token.revoked')).some((e) => e.data.tokenId === s.id));

      // The owner suspended: their token dies with them.
      const accountId = (
        (await t.custos.database.db
          .selectFrom('accounts')
          .select('id')
          .where('subject_id', '=', admin.staffId)
          .executeTakeFirstOrThrow()) as { id: string }
      ).id;
      assert.equal((await invite(a.token, 'clerk.before')).status, 201, 'it works until then');
      assert.equal(
        (await withToken(t.adminToken, 'POST', `/v1/staff/accounts/${accountId}/suspend`)).status,
        204,
      );
      const dead = await invite(a.token, 'clerk.after');
      assert.equal(dead.status, 401);
      assert.equal(code(dead), 'AUTH_INVALID');
    });

    test('the operator ends setup (ledgered); from then on its token makes no administrator', async () => {
      await people.signIn(security);
      const auditor = (await mint(security, { label: 'a', scopes: ['ledger_read'] })).body as {
        token: string;
      };
      // Only a token with the setup scope ends setup: no staff member's token can hold it.
      assert.equal((await withToken(auditor.token, 'POST', '/v1/setup/complete')).status, 403);
      assert.equal((await people.invite(t.adminToken, 'admin.during.setup', 'admin')).status, 201);
      assert.equal((await withToken(t.adminToken, 'POST', '/v1/setup/complete')).status, 204);
      assert.equal((await withToken(t.adminToken, 'POST', '/v1/setup/complete')).status, 204, 'idempotent');
      assert.deepEqual(
        (await ledgerEntries(t.custos, 'setup.closed')).map((e) => e.data),
        [{ how: 'completed' }],
      );
      const refused = await people.invite(t.adminToken, 'admin.after.setup', 'admin');
      assert.equal(refused.status, 403);
      assert.equal(code(refused), 'SETUP_CLOSED');
      assert.equal((await people.invite(t.adminToken, 'clerk.after.setup', 'store')).status, 201);
    });
  });
}
