/**
 * HR signals over HTTP, on both databases: the HR system reports with its own `hr` token; termination ends
 * the member's sessions and tokens at once, leave holds the account until HR ends it, a role change applies
 * at once to non-privileged roles only, and `hired` / `resignation_notice` are recorded for the watcher.
 * Attacked: a staff session, a token without the scope, a clerk minting the scope, a privileged role through
 * HR, the leave's end lifting a suspension it did not make, a direct database edit bringing a terminated
 * member back, replays, and malformed signals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { hrSignalKinds } from '../../../src/identity/staff/hr-signals.types.ts';
import type { BusEvent } from '../../../src/platform/bus.ts';
import { hrSignals } from '../../../src/watch/risk/risk.types.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';

const PASSWORD = 'a long and unusual passphrase';

test("identity's HR signal kinds are the watcher's, plus role_change", () => {
  assert.deepEqual([...hrSignalKinds], [...hrSignals, 'role_change', 'training_completed']);
});

for (const { dialect, skip } of await dialects()) {
  describe(`HR signals over HTTP (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    let clockNow = Date.UTC(2026, 11, 10, 9);
    const clock = { now: () => clockNow };
    let hr: string;
    let invitesOnly: string;
    let admin: Staff;
    const published: BusEvent<'hr.signal'>[] = [];

    const stepUp = async (who: Staff) => {
      clockNow += 30_000;
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const signal = async (body: object, token = hr) => {
      const res = await f.app.inject({
        method: 'POST',
        url: '/v1/integrations/hr-signals',
        headers: { authorization: `Bearer ${token}` },
        payload: body,
      });
      return { status: res.statusCode, body: res.json() };
    };
    const accepted = async (body: object) => {
      const res = await signal(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.signalId as string;
    };
    /** Refusals from one address add up: later ones may be 429 rather than 401 (never 200). */
    const signIn = (who: Staff, password = PASSWORD) =>
      f.send(null, 'POST', '/v1/auth/sign-in', { login: who.login, password });
    const withToken = (token: string, method: string, url: string, body?: object) =>
      f.app
        .inject({
          method: method as 'POST',
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(body ? { payload: body } : {}),
        })
        .then((r) => ({ status: r.statusCode, body: r.body ? r.json() : undefined }));
    const mint = async (who: Staff, scopes: string[]) => {
      await stepUp(who);
      return f.send(who, 'POST', '/v1/api-tokens', { label: 'a token', scopes });
    };
    const role = async (staffId: string) => (await f.t.custos.identity.staff.member(staffId))?.role;
    const accountStatus = async (accountId: string) =>
      (
        await f.t.custos.database.db
          .selectFrom('accounts')
          .select('status')
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow()
      ).status;

    before(async () => {
      f = await accessFixture(dialect, { clock });
      f.t.custos.bus.subscribe('hr.signal', (event) => {
        published.push(event);
      });
      admin = await f.staff('admin');
      const minted = await mint(admin, ['hr']);
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      hr = minted.body.token;
      invitesOnly = (await f.send(admin, 'POST', '/v1/api-tokens', { label: 'i', scopes: ['staff_invite'] }))
        .body.token;
    });
    after(() => f?.close());

    test('only an hr token reports: not a staff session, not another scope, and no clerk mints one', async () => {
      const clerk = await f.staff('support');
      const body = { staffId: clerk.staffId, signal: 'termination' };
      const asStaff = await f.send(clerk, 'POST', '/v1/integrations/hr-signals', body);
      assert.equal(asStaff.status, 401);
      const none = await f.send(null, 'POST', '/v1/integrations/hr-signals', body);
      assert.equal(none.status, 401);
      const wrongScope = await signal(body, invitesOnly);
      assert.deepEqual([wrongScope.status, wrongScope.body.error.code], [403, 'FORBIDDEN']);
      const operator = await signal(body, f.t.adminToken);
      assert.equal(operator.status, 403, "the operator's setup token holds no hr scope");
      for (const who of [clerk, await f.staff('security')]) {
        const minted = await mint(who, ['hr']);
        assert.equal(minted.status, 403, `a ${who.role} cannot mint an hr token to steer their own account`);
      }
      assert.equal(await accountStatus(clerk.accountId), 'active', 'nothing reached the account');
      assert.equal((await f.send(clerk, 'GET', '/v1/auth/session')).status, 200);
    });

    test('termination: the live session gets 401 on its next request, their tokens stop, sign-in fails', async () => {
      const leaver = await f.staff('admin');
      const token = (await mint(leaver, ['staff_invite'])).body.token as string;
      const before = (await ledgerEntries(f.t.custos, 'api_token.revoked')).length;
      const signalId = await accepted({ staffId: leaver.staffId, signal: 'termination' });

      const next = await f.send(leaver, 'GET', '/v1/auth/session');
      assert.equal(next.status, 401, JSON.stringify(next.body));
      const invite = await withToken(token, 'POST', '/v1/staff/invitations', {
        email: `after.termination.${dialect}@custos.example`,
        displayName: 'Nobody',
        role: 'store',
        region: 'east',
        site: 'east-shop',
        shift: 'day',
      });
      assert.equal(invite.status, 401, 'their token stopped');
      assert.equal((await signIn(leaver)).status, 401);

      const [entry] = (await ledgerEntries(f.t.custos, 'hr.signal')).filter(
        (e) => e.data.signalId === signalId,
      );
      assert.deepEqual(entry?.data, { signalId, staffId: leaver.staffId, signal: 'termination' });
      const suspended = (await ledgerEntries(f.t.custos, 'account.suspended')).at(-1);
      assert.equal(suspended?.data.accountId, leaver.accountId);
      assert.ok((suspended?.data.sessionsRevoked ?? 0) >= 1);
      assert.equal((await ledgerEntries(f.t.custos, 'api_token.revoked')).length, before + 1);
      const row = await f.t.custos.database.db
        .selectFrom('api_tokens')
        .select('revoked_at')
        .where('owner_staff_id', '=', leaver.staffId)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.revoked_at, null, 'the token is revoked, not merely refused');
    });

    test('a terminated member stays out even if their account row is edited back to active', async () => {
      const leaver = await f.staff('support');
      await accepted({ email: leaver.login.toUpperCase(), signal: 'termination' });
      await f.t.custos.database.db
        .updateTable('accounts')
        .set({ status: 'active' })
        .where('id', '=', leaver.accountId)
        .execute();
      const password = await signIn(leaver);
      assert.equal(password.status, 200, 'the edited row lets the password through');
      clockNow += 30_000;
      const full = await f.send({ ...leaver, token: password.body.token }, 'POST', '/v1/auth/second-factor', {
        code: totp(leaver.secret, clockNow),
      });
      assert.equal(full.status, 200, JSON.stringify(full.body));
      const act = await f.send({ ...leaver, token: full.body.token }, 'GET', '/v1/watch/me');
      assert.deepEqual([act.status, act.body.error.code], [403, 'ACCOUNT_SUSPENDED']);
    });

    test('leave: sign-in and every request refused with STAFF_ON_LEAVE; leave_end lets them back', async () => {
      const member = await f.staff('support');
      await accepted({ staffId: member.staffId, signal: 'leave_start' });
      const next = await f.send(member, 'GET', '/v1/auth/session');
      assert.deepEqual([next.status, next.body.error.code], [403, 'STAFF_ON_LEAVE']);
      const password = await signIn(member);
      assert.deepEqual([password.status, password.body.error.code], [403, 'STAFF_ON_LEAVE']);
      const guess = await signIn(member, 'not the password at all');
      assert.deepEqual(
        [guess.status, guess.body.error.code],
        [401, 'AUTH_INVALID'],
        'a wrong password learns nothing about leave',
      );
      const onLeave = (await ledgerEntries(f.t.custos, 'account.on_leave')).at(-1);
      assert.equal(onLeave?.data.accountId, member.accountId);

      await accepted({ staffId: member.staffId, signal: 'leave_end' });
      assert.equal(await accountStatus(member.accountId), 'active');
      assert.equal((await signIn(member)).status, 200);
      assert.equal(
        (await f.send(member, 'GET', '/v1/auth/session')).status,
        401,
        'the session the leave ended stays ended',
      );
    });

    test('a member on leave: their tokens stop with their sessions, and work again after leave_end', async () => {
      const member = await f.staff('admin');
      const token = (await mint(member, ['staff_suspend'])).body.token as string;
      const victim = await f.staff('support');
      const suspend = () => withToken(token, 'POST', `/v1/staff/accounts/${victim.accountId}/suspend`);
      await accepted({ staffId: member.staffId, signal: 'leave_start' });
      assert.equal((await suspend()).status, 401);
      assert.equal(await accountStatus(victim.accountId), 'active');
      await accepted({ staffId: member.staffId, signal: 'leave_end' });
      assert.equal((await suspend()).status, 204);
    });

    test('a termination during leave: leave_end after it reinstates nothing', async () => {
      const member = await f.staff('support');
      await accepted({ staffId: member.staffId, signal: 'leave_start' });
      await accepted({ staffId: member.staffId, signal: 'termination' });
      await accepted({ staffId: member.staffId, signal: 'leave_end' });
      assert.equal(await accountStatus(member.accountId), 'suspended');
      assert.equal((await f.t.custos.identity.staff.member(member.staffId))?.status, 'suspended');
    });

    test('leave_end never lifts a suspension by security or the watcher, made before or during the leave', async () => {
      const bySecurity = await f.staff('support');
      const suspend = await withToken(
        f.t.adminToken,
        'POST',
        `/v1/staff/accounts/${bySecurity.accountId}/suspend`,
      );
      assert.equal(suspend.status, 204);
      await accepted({ staffId: bySecurity.staffId, signal: 'leave_start' });
      await accepted({ staffId: bySecurity.staffId, signal: 'leave_end' });
      assert.equal(await accountStatus(bySecurity.accountId), 'suspended');
      assert.notEqual((await signIn(bySecurity)).status, 200);

      const byWatcher = await f.staff('support');
      await accepted({ staffId: byWatcher.staffId, signal: 'leave_start' });
      await f.t.custos.identity.accounts.suspendStaff({ type: 'system', id: 'watcher' }, byWatcher.staffId);
      await accepted({ staffId: byWatcher.staffId, signal: 'leave_end' });
      assert.equal(await accountStatus(byWatcher.accountId), 'suspended');
      assert.notEqual((await signIn(byWatcher)).status, 200);
    });

    test('role_change: a privileged role is refused and ledgered; another applies at once, sessions ended', async () => {
      const clerk = await f.staff('support');
      for (const privileged of ['admin', 'security']) {
        const refused = await signal({ staffId: clerk.staffId, signal: 'role_change', role: privileged });
        assert.deepEqual([refused.status, refused.body.error.code], [409, 'ROLE_NEEDS_APPROVAL']);
      }
      assert.equal(await role(clerk.staffId), 'support');
      const attempts = (await ledgerEntries(f.t.custos, 'hr.signal_refused')).filter(
        (e) => e.data.staffId === clerk.staffId,
      );
      assert.deepEqual(
        attempts.map((e) => e.data.role),
        ['admin', 'security'],
      );
      assert.equal((await f.send(clerk, 'GET', '/v1/auth/session')).status, 200, 'a refusal changes nothing');

      await accepted({ staffId: clerk.staffId, signal: 'role_change', role: 'store' });
      assert.equal(await role(clerk.staffId), 'store');
      assert.equal((await f.send(clerk, 'GET', '/v1/auth/session')).status, 401, 'signs in again as store');
      const changed = (await ledgerEntries(f.t.custos, 'staff.role_changed')).at(-1);
      assert.deepEqual(changed?.data, {
        staffId: clerk.staffId,
        accountId: clerk.accountId,
        from: 'support',
        to: 'store',
        via: 'hr',
      });
    });

    test("a demoted administrator's tokens lose what the old role granted", async () => {
      const demoted = await f.staff('admin');
      const token = (await mint(demoted, ['staff_suspend'])).body.token as string;
      await accepted({ staffId: demoted.staffId, signal: 'role_change', role: 'support' });
      const suspend = await withToken(token, 'POST', `/v1/staff/accounts/${admin.accountId}/suspend`);
      assert.equal(suspend.status, 403);
      assert.equal(await accountStatus(admin.accountId), 'active');
    });

    test('a replayed signal answers the first id and does nothing again', async () => {
      const member = await f.staff('support');
      const effectiveAt = clockNow - 86_400_000;
      const start = { staffId: member.staffId, signal: 'leave_start', effectiveAt };
      const first = await accepted(start);
      await accepted({ staffId: member.staffId, signal: 'leave_end', effectiveAt: effectiveAt + 1 });
      const replay = await accepted(start);
      assert.equal(replay, first);
      assert.equal(
        await accountStatus(member.accountId),
        'active',
        'the replay did not start the leave again',
      );
      const entries = (await ledgerEntries(f.t.custos, 'hr.signal')).filter(
        (e) => e.data.staffId === member.staffId,
      );
      assert.equal(entries.length, 2);

      const terminated = await f.staff('support');
      const end = { staffId: terminated.staffId, signal: 'termination', effectiveAt };
      assert.equal(await accepted(end), await accepted(end));
    });

    test('hired and resignation notice are recorded, published and in hrStatus; nothing else changes', async () => {
      const member = await f.staff('support');
      const hiredAt = Date.UTC(2025, 0, 6);
      const noticeAt = clockNow - 3_600_000;
      assert.deepEqual(await f.t.custos.identity.staff.hrStatus(member.staffId), {
        resignationNoticeAt: null,
        hiredAt: null,
      });
      await accepted({ staffId: member.staffId, signal: 'hired', effectiveAt: hiredAt });
      await accepted({ staffId: member.staffId, signal: 'resignation_notice', effectiveAt: noticeAt });
      assert.deepEqual(await f.t.custos.identity.staff.hrStatus(member.staffId), {
        resignationNoticeAt: noticeAt,
        hiredAt,
      });
      assert.deepEqual(await f.t.custos.identity.staff.hrStatus('not-a-uuid'), {
        resignationNoticeAt: null,
        hiredAt: null,
      });
      assert.equal((await f.send(member, 'GET', '/v1/auth/session')).status, 200);
      await new Promise((resolve) => setImmediate(resolve));
      const mine = published.filter((e) => e.data.staffId === member.staffId).map((e) => e.data);
      assert.deepEqual(mine, [
        { staffId: member.staffId, role: 'support', signal: 'hired', at: hiredAt },
        { staffId: member.staffId, role: 'support', signal: 'resignation_notice', at: noticeAt },
      ]);
    });

    test('unknown staff is 404 STAFF_NOT_FOUND; malformed signals are 400 with a code', async () => {
      const member = await f.staff('support');
      const unknownId = await signal({ staffId: '01900000-0000-7000-8000-000000000000', signal: 'hired' });
      assert.deepEqual([unknownId.status, unknownId.body.error.code], [404, 'STAFF_NOT_FOUND']);
      const unknownEmail = await signal({ email: 'nobody@custos.example', signal: 'hired' });
      assert.deepEqual([unknownEmail.status, unknownEmail.body.error.code], [404, 'STAFF_NOT_FOUND']);
      const bad: object[] = [
        { signal: 'hired' },
        { staffId: member.staffId, email: member.login, signal: 'hired' },
        { staffId: member.staffId, signal: 'promoted' },
        { staffId: member.staffId, signal: 'role_change' },
        { staffId: member.staffId, signal: 'role_change', role: 'owner' },
        { staffId: member.staffId, signal: 'hired', role: 'store' },
        { staffId: member.staffId, signal: 'hired', effectiveAt: -1 },
        { staffId: member.staffId, signal: 'hired', effectiveAt: 1.5 },
        { staffId: member.staffId, signal: 'hired', extra: true },
        { staffId: "' OR 1=1 --", signal: 'termination' },
        { email: 'not an email', signal: 'termination' },
      ];
      for (const body of bad) {
        const res = await signal(body);
        assert.deepEqual([res.status, res.body.error.code], [400, 'VALIDATION_FAILED'], JSON.stringify(body));
      }
      assert.equal(await accountStatus(member.accountId), 'active');
      assert.equal(await role(member.staffId), 'support');
    });
  });
}
