/**
 * Staff sign-in end to end at the service level, on both dialects, with codes from the real `oathtool`:
 * invitation → password → TOTP enrolment → full session; sign-in in two steps; replay refused; step-up;
 * no account enumeration; back-off; suspension on the next request; every act in the ledger.
 */
import { operatorActor, operatorGrant } from '../../support/operator-grant.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { oathtool } from '../../support/oathtool.ts';

const admin = operatorActor;
const PASSWORD = 'correct horse battery staple';

/** The code the real oathtool gives for this otpauth URI's secret at the clock's time. */
function codeAt(uri: string, nowMs: number): string {
  const secret = new URL(uri).searchParams.get('secret') as string;
  const { status, lines } = oathtool(['--totp', '-b', secret, '-N', `@${Math.floor(nowMs / 1000)}`]);
  assert.equal(status, 0);
  return lines[0] as string;
}

for (const { dialect, skip } of await dialects()) {
  describe(`staff accounts on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 10, 23, 9));
    let t: TestCustos;
    let uri: string;
    before(async () => {
      t = await testCustos(dialect, { clock });
    });
    after(async () => t?.cleanup());

    const invite = (email: string) =>
      t.custos.identity.invitations.inviteStaff(operatorGrant, {
        email,
        displayName: 'Wang Fang',
        role: 'support',
        region: 'south',
        site: 'south-call-centre',
        shift: 'day',
      });

    test('an invitation leads to a password and a second factor before anything works', async () => {
      const second = await invite('li.wei@custos.example');
      for (const weak of ['password1234', 'short', 'li.wei-is-my-name']) {
        await assert.rejects(
          t.custos.identity.invitations.acceptInvitation(second.invitationToken, weak, 'staff'),
          (e) => isCustosError(e, 'VALIDATION_FAILED'),
        );
      }
      const enrolling = await t.custos.identity.invitations.acceptInvitation(
        second.invitationToken,
        PASSWORD,
        'staff',
      );
      await assert.rejects(
        t.custos.identity.invitations.acceptInvitation(second.invitationToken, PASSWORD, 'staff'),
        (e) => isCustosError(e, 'INVITATION_INVALID'),
      );
      const session = await t.custos.identity.sessions.authenticate(enrolling.token, 'staff');
      assert.throws(
        () => t.custos.identity.sessions.requireSecondFactor(session),
        (e) => isCustosError(e, 'SECOND_FACTOR_REQUIRED'),
      );
      await assert.rejects(t.custos.identity.accounts.completeSignIn(session, { code: '000000' }), (e) =>
        isCustosError(e, 'ENROLMENT_REQUIRED'),
      );
      const enrolment = await t.custos.identity.accounts.beginTotpEnrolment(session);
      uri = enrolment.otpauthUri;
      assert.match(uri, /^otpauth:\/\/totp\/Custos:li\.wei%40custos\.example\?secret=[A-Z2-7]{32}/);
      assert.match(enrolment.qrSvg, /<svg/);
      const done = await t.custos.identity.accounts.confirmTotpEnrolment(session, codeAt(uri, clock.now()));
      assert.equal(done.recoveryCodes.length, 10);
      const full = await t.custos.identity.sessions.authenticate(done.session.token, 'staff');
      t.custos.identity.sessions.requireSecondFactor(full);
      await assert.rejects(t.custos.identity.sessions.authenticate(enrolling.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      recovery = done.recoveryCodes;
    });

    let recovery: string[] = [];

    test('sign-in: password, then an oathtool code; the same code is refused the second time', async () => {
      clock.advance(60_000);
      const partial = await t.custos.identity.accounts.signIn({
        realm: 'staff',
        login: 'Li.Wei@custos.example',
        password: PASSWORD,
        address: '10.0.0.1',
      });
      const session = await t.custos.identity.sessions.authenticate(partial.token, 'staff');
      const code = codeAt(uri, clock.now());
      const full = await t.custos.identity.accounts.completeSignIn(session, { code });
      const again = await t.custos.identity.accounts.signIn({
        realm: 'staff',
        login: 'li.wei@custos.example',
        password: PASSWORD,
        address: '10.0.0.1',
      });
      const second = await t.custos.identity.sessions.authenticate(again.token, 'staff');
      await assert.rejects(t.custos.identity.accounts.completeSignIn(second, { code }), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      const recovered = await t.custos.identity.accounts.completeSignIn(second, {
        recoveryCode: recovery[0] as string,
      });
      assert.ok(recovered.token);
      const third = await t.custos.identity.accounts.signIn({
        realm: 'staff',
        login: 'li.wei@custos.example',
        password: PASSWORD,
        address: '10.0.0.1',
      });
      await assert.rejects(
        t.custos.identity.accounts.completeSignIn(
          await t.custos.identity.sessions.authenticate(third.token, 'staff'),
          {
            recoveryCode: recovery[0] as string,
          },
        ),
        (e) => isCustosError(e, 'AUTH_INVALID'),
        'a recovery code works once',
      );
      // Step-up: stale after five minutes, fresh again with a new code.
      clock.advance(6 * 60_000);
      const live = await t.custos.identity.sessions.authenticate(full.token, 'staff');
      assert.throws(
        () => t.custos.identity.sessions.requireStepUp(live),
        (e) => isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      await t.custos.identity.accounts.stepUp(live, { code: codeAt(uri, clock.now()) });
      t.custos.identity.sessions.requireStepUp(
        await t.custos.identity.sessions.authenticate(full.token, 'staff'),
      );
    });

    test('wrong password and unknown login get the same answer; repeated failures back off', async () => {
      const attempt = (login: string, password: string, address: string) =>
        t.custos.identity.accounts.signIn({ realm: 'staff', login, password, address });
      const wrong = await attempt('li.wei@custos.example', 'not the password at all', '10.0.0.2').catch(
        (e) => e,
      );
      const unknown = await attempt('nobody@custos.example', 'not the password at all', '10.0.0.3').catch(
        (e) => e,
      );
      assert.ok(isCustosError(wrong, 'AUTH_INVALID') && isCustosError(unknown, 'AUTH_INVALID'));
      assert.equal(wrong.message, unknown.message);
      for (let i = 0; i < 3; i++)
        await attempt('nobody@custos.example', 'guess guess guess', '10.0.0.3').catch(() => {});
      await assert.rejects(attempt('nobody@custos.example', 'guess guess guess', '10.0.0.3'), (e) =>
        isCustosError(e, 'RATE_LIMITED'),
      );
      // An address that never failed still gets an answer (under the clean-address back-off), the same one.
      await assert.rejects(attempt('nobody@custos.example', 'guess guess guess', '10.0.0.9'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      for (let i = 0; i < 3; i++)
        await attempt('li.wei@custos.example', 'guess guess guess', '10.0.0.4').catch(() => {});
      const locked = await attempt('li.wei@custos.example', PASSWORD, '10.0.0.4').catch((e) => e);
      assert.ok(
        isCustosError(locked, 'RATE_LIMITED'),
        'the right password from the guessing address waits out the back-off too',
      );
      // The owner, from an address with no failures, is not locked out by someone else's guesses.
      assert.ok((await attempt('li.wei@custos.example', PASSWORD, '10.0.0.5')).token);
      clock.advance(2_000);
      assert.ok((await attempt('li.wei@custos.example', PASSWORD, '10.0.0.5')).token);
    });

    test('a burst of parallel guesses from ten addresses gets no more tries than the same guesses one by one', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.custos.identity.accounts
            .signIn({
              realm: 'staff',
              login: 'burst@custos.example',
              password: `guess number ${i}!`,
              address: `10.1.0.${i}`,
            })
            .catch((e) => e.code as string),
        ),
      );
      // Four on the login's key, then four more from addresses that never failed, on the clean-address key:
      // the price of not letting one address lock the owner out (throttle.ts). Then both keys wait.
      assert.equal(results.filter((r) => r === 'AUTH_INVALID').length, 8);
      assert.equal(results.filter((r) => r === 'RATE_LIMITED').length, 2);
    });

    test('suspension ends every session at once, and is in the ledger with the rest', async () => {
      const partial = await t.custos.identity.accounts.signIn({
        realm: 'staff',
        login: 'li.wei@custos.example',
        password: PASSWORD,
        address: '10.0.0.6',
      });
      clock.advance(30_000);
      const full = await t.custos.identity.accounts.completeSignIn(
        await t.custos.identity.sessions.authenticate(partial.token, 'staff'),
        {
          code: codeAt(uri, clock.now()),
        },
      );
      const session = await t.custos.identity.sessions.authenticate(full.token, 'staff');
      await t.custos.identity.accounts.suspend(admin, session.accountId);
      await assert.rejects(t.custos.identity.sessions.authenticate(full.token, 'staff'), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      await assert.rejects(
        t.custos.identity.accounts.signIn({
          realm: 'staff',
          login: 'li.wei@custos.example',
          password: PASSWORD,
          address: '10.0.0.7',
        }),
        (e) => isCustosError(e, 'AUTH_INVALID'),
      );
      const types = new Set<string>();
      for (let i = 0; i < t.custos.ledger.size(); i++)
        types.add((await t.custos.ledger.entry(i)).entry?.type as string);
      for (const type of [
        'account.invited',
        'auth.enrolled',
        'auth.signed_in',
        'auth.sign_in_failed',
        'auth.second_factor',
        'auth.recovery_code_used',
        'auth.step_up',
        'account.suspended',
      ]) {
        assert.ok(types.has(type), type);
      }
    });
  });
}
