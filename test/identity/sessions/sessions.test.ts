/** Sessions on both dialects: rotation, second factor, step-up freshness, timeouts, suspension, realms, CSRF. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccountStore } from '../../../src/identity/accounts/accounts.store.ts';
import { createSessions, type Sessions } from '../../../src/identity/sessions/sessions.ts';
import { createSessionStore } from '../../../src/identity/sessions/sessions.store.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';

const MINUTE = 60_000;

for (const { dialect, skip } of await dialects()) {
  describe(`sessions on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 10, 23, 8));
    let t: TestCustos;
    let sessions: Sessions;
    const accounts = () => createAccountStore(t.custos.database.db);
    before(async () => {
      t = await testCustos(dialect, { clock });
      sessions = createSessions({
        store: createSessionStore(t.custos.database.db),
        clock,
      });
      for (const [id, realm] of [
        ['acc-staff', 'staff'],
        ['acc-customer', 'customer'],
      ] as const) {
        await accounts().insertAccount({
          id,
          realm,
          subjectId: `subject-${id}`,
          login: `${id}@example.com`,
          displayName: id,
          displaySealed: null,
          passwordHash: null,
          status: 'active',
          enrolledAt: clock.now(),
          createdAt: clock.now(),
          updatedAt: clock.now(),
        });
      }
    });
    after(async () => t?.cleanup());

    const staff = { id: 'acc-staff', realm: 'staff' as const, subjectId: 'subject-acc-staff' };

    test('a password-only session must finish its second factor, which rotates the token', async () => {
      const partial = await sessions.issue(staff, { secondFactor: false });
      const session = await sessions.authenticate(partial.token, 'staff');
      assert.deepEqual(session.actor, { type: 'staff', id: 'subject-acc-staff' });
      assert.throws(
        () => sessions.requireSecondFactor(session),
        (e) => isCustosError(e, 'SECOND_FACTOR_REQUIRED'),
      );
      const full = await sessions.completeSecondFactor(session);
      assert.notEqual(full.token, partial.token);
      await assert.rejects(sessions.authenticate(partial.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      const done = await sessions.authenticate(full.token, 'staff');
      sessions.requireSecondFactor(done);
      sessions.requireStepUp(done);
    });

    test('step-up expires after five minutes and is renewed by a fresh assertion', async () => {
      const full = await sessions.issue(staff, { secondFactor: true });
      clock.advance(5 * MINUTE + 1);
      let session = await sessions.authenticate(full.token, 'staff');
      assert.throws(
        () => sessions.requireStepUp(session),
        (e) => isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      await sessions.stepUp(session);
      session = await sessions.authenticate(full.token, 'staff');
      sessions.requireStepUp(session);
    });

    test('step-up is fresh for exactly five minutes, and never from a sign-in whose second factor was not fresh', async () => {
      const full = await sessions.issue(staff, { secondFactor: true });
      clock.advance(5 * MINUTE);
      sessions.requireStepUp(await sessions.authenticate(full.token, 'staff'));
      clock.advance(1);
      assert.throws(
        () => sessions.requireStepUp(full.session),
        (e) => isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      // Single sign-on with an old second factor at the identity provider; and a password-only session.
      for (const options of [
        { secondFactor: true, stepUp: false },
        { secondFactor: false, stepUp: true },
        { secondFactor: false },
      ]) {
        const issued = await sessions.issue(staff, options);
        assert.throws(
          () => sessions.requireStepUp(issued.session),
          (e) => isCustosError(e, 'STEP_UP_REQUIRED'),
          JSON.stringify(options),
        );
      }
    });

    test('customer sessions: step-up for five minutes, idle for 30, at most 12 hours', async () => {
      const customer = { id: 'acc-customer', realm: 'customer' as const, subjectId: 'subject-acc-customer' };
      const live = await sessions.issue(customer, { secondFactor: true });
      clock.advance(5 * MINUTE);
      sessions.requireStepUp(await sessions.authenticate(live.token, 'customer'));
      clock.advance(1);
      assert.throws(
        () => sessions.requireStepUp(live.session),
        (e) => isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      clock.advance(30 * MINUTE - 1); // 30 minutes after the last request
      await assert.rejects(sessions.authenticate(live.token, 'customer'), (e) =>
        isCustosError(e, 'SESSION_EXPIRED'),
      );
      const busy = await sessions.issue(customer, { secondFactor: true });
      for (let i = 0; i < 12 * 3 - 1; i++) {
        clock.advance(20 * MINUTE);
        await sessions.authenticate(busy.token, 'customer');
      }
      clock.advance(20 * MINUTE);
      await assert.rejects(sessions.authenticate(busy.token, 'customer'), (e) =>
        isCustosError(e, 'SESSION_EXPIRED'),
      );
    });

    test('sign-out revokes the token at once', async () => {
      const full = await sessions.issue(staff, { secondFactor: true });
      const session = await sessions.authenticate(full.token, 'staff');
      await sessions.signOut(session);
      await assert.rejects(sessions.authenticate(full.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
    });

    test('idle for 15 minutes or past the 8-hour shift: expired', async () => {
      const idle = await sessions.issue(staff, { secondFactor: true });
      clock.advance(15 * MINUTE);
      await assert.rejects(sessions.authenticate(idle.token, 'staff'), (e) =>
        isCustosError(e, 'SESSION_EXPIRED'),
      );
      await assert.rejects(sessions.authenticate(idle.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      const busy = await sessions.issue(staff, { secondFactor: true });
      for (let i = 0; i < 8 * 6 - 1; i++) {
        clock.advance(10 * MINUTE);
        await sessions.authenticate(busy.token, 'staff');
      }
      clock.advance(10 * MINUTE);
      await assert.rejects(sessions.authenticate(busy.token, 'staff'), (e) =>
        isCustosError(e, 'SESSION_EXPIRED'),
      );
    });

    test('suspension takes effect on the very next request', async () => {
      const live = await sessions.issue(staff, { secondFactor: true });
      await sessions.authenticate(live.token, 'staff');
      await accounts().update('acc-staff', { status: 'suspended' });
      await assert.rejects(sessions.authenticate(live.token, 'staff'), (e) =>
        isCustosError(e, 'ACCOUNT_SUSPENDED'),
      );
      assert.ok((await sessions.revokeAll('acc-staff')) >= 1);
      await accounts().update('acc-staff', { status: 'active' });
      await assert.rejects(sessions.authenticate(live.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
    });

    test('a session never crosses realms; tokens of the wrong shape are refused; CSRF is checked', async () => {
      const customer = await sessions.issue(
        { id: 'acc-customer', realm: 'customer', subjectId: 'subject-acc-customer' },
        { secondFactor: true },
      );
      await assert.rejects(sessions.authenticate(customer.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      const session = await sessions.authenticate(customer.token, 'customer');
      assert.equal(session.actor.type, 'customer');
      for (const bad of ['', 'css_short', `${customer.token}x`, "css_' or 1=1 --"]) {
        await assert.rejects(sessions.authenticate(bad, 'customer'), (e) => isCustosError(e, 'AUTH_INVALID'));
      }
      sessions.verifyCsrf(session, customer.csrfToken);
      assert.throws(
        () => sessions.verifyCsrf(session, 'nope'),
        (e) => isCustosError(e, 'CSRF_INVALID'),
      );
      assert.throws(
        () => sessions.verifyCsrf(session, undefined),
        (e) => isCustosError(e, 'CSRF_INVALID'),
      );
    });
  });
}
