/**
 * Issue 13, finding 7: re-enrolling TOTP must not lock out the authenticator in use. The new secret waits
 * beside the confirmed one until its first code confirms it; meanwhile the old one signs in and steps up,
 * the new one signs in nothing, and the enrolment is in the ledger from its start. Both dialects, through
 * the service; and over HTTP the way the finding was made (`POST /v1/auth/totp/enrol` on a fresh session).
 */
import { operatorGrant } from '../../support/operator-grant.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PENDING_TOTP_TTL_MS } from '../../../src/identity/accounts/accounts.service.ts';
import { decodeBase32 } from '../../../src/identity/second-factor/base32.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { buildServer } from '../../../src/http/server.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { signInStaff } from '../../support/staff-session.ts';

const PASSWORD = 'correct horse battery staple';
const secretOf = (uri: string) => decodeBase32(new URL(uri).searchParams.get('secret') as string) as Buffer;

for (const { dialect, skip } of await dialects()) {
  describe(`TOTP re-enrolment on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 2, 9));
    let t: TestCustos;
    let accountId: string;
    let oldSecret: Buffer;
    const login = `re.enrol.${dialect}@custos.example`;
    before(async () => {
      t = await testCustos(dialect, { clock });
      const invited = await t.custos.identity.invitations.inviteStaff(operatorGrant, {
        email: login,
        displayName: 'Zhao Lei',
        role: 'support',
        region: 'east',
        site: 'east-call-centre',
        shift: 'day',
      });
      accountId = invited.accountId;
      const enrolling = await t.custos.identity.invitations.acceptInvitation(
        invited.invitationToken,
        PASSWORD,
        'staff',
      );
      const session = await t.custos.identity.sessions.authenticate(enrolling.token, 'staff');
      const { otpauthUri } = await t.custos.identity.accounts.beginTotpEnrolment(session);
      oldSecret = secretOf(otpauthUri);
      await t.custos.identity.accounts.confirmTotpEnrolment(session, totp(oldSecret, clock.now()));
    });
    after(async () => t?.cleanup());

    const accounts = () => t.custos.identity.accounts;
    /** Session id → its token, for reading a session again after it changed (a step-up). */
    const tokens = new Map<string, string>();
    /** A full session: password, then a code of `secret` (30 s later, so no step is replayed). */
    async function signIn(secret: Buffer) {
      clock.advance(30_000);
      const partial = await accounts().signIn({
        realm: 'staff',
        login,
        password: PASSWORD,
        address: '10.9.0.1',
      });
      const session = await t.custos.identity.sessions.authenticate(partial.token, 'staff');
      const full = await accounts().completeSignIn(session, { code: totp(secret, clock.now()) });
      const signedIn = await t.custos.identity.sessions.authenticate(full.token, 'staff');
      tokens.set(signedIn.id, full.token);
      return signedIn;
    }
    const storedSecret = async () =>
      (
        await t.custos.database.db
          .selectFrom('totp_credentials')
          .select('secret_sealed')
          .where('account_id', '=', accountId)
          .executeTakeFirstOrThrow()
      ).secret_sealed;

    test('re-enrolment needs a fresh step-up, and a stale session leaves no pending secret', async () => {
      const session = await signIn(oldSecret);
      clock.advance(6 * 60_000);
      const before = (await ledgerEntries(t.custos, 'auth.totp_enrolment_started')).length;
      await assert.rejects(accounts().beginTotpEnrolment(session), (e) =>
        isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      assert.equal((await ledgerEntries(t.custos, 'auth.totp_enrolment_started')).length, before);
      await assert.rejects(accounts().confirmTotpEnrolment(session, totp(oldSecret, clock.now())), (e) =>
        isCustosError(e, 'ENROLMENT_REQUIRED'),
      );
    });

    test('the confirmed authenticator keeps working until the new one is confirmed; then only the new one', async () => {
      const session = await signIn(oldSecret);
      const confirmedBefore = await storedSecret();
      const { otpauthUri } = await accounts().beginTotpEnrolment(session);
      const newSecret = secretOf(otpauthUri);
      assert.notDeepEqual(newSecret, oldSecret);

      const started = (await ledgerEntries(t.custos, 'auth.totp_enrolment_started')).at(-1);
      assert.deepEqual(started?.data, { accountId, sessionId: session.id, replacing: true });
      assert.equal(started?.actor, `staff:${session.actor.id}`);
      assert.deepEqual(await storedSecret(), confirmedBefore, 'the confirmed secret is untouched');

      // The old authenticator: sign-in and step-up both work while the new secret is pending.
      const again = await signIn(oldSecret);
      clock.advance(30_000);
      await accounts().stepUp(again, { code: totp(oldSecret, clock.now()) });
      // The pending secret signs in nothing.
      clock.advance(30_000);
      const partial = await accounts().signIn({
        realm: 'staff',
        login,
        password: PASSWORD,
        address: '10.9.0.2',
      });
      await assert.rejects(
        accounts().completeSignIn(await t.custos.identity.sessions.authenticate(partial.token, 'staff'), {
          code: totp(newSecret, clock.now()),
        }),
        (e) => isCustosError(e, 'AUTH_INVALID'),
      );
      // A wrong code does not confirm it, and the old one still works after.
      await assert.rejects(accounts().confirmTotpEnrolment(session, totp(oldSecret, clock.now())), (e) =>
        isCustosError(e, 'AUTH_INVALID'),
      );
      await signIn(oldSecret);

      clock.advance(30_000);
      const done = await accounts().confirmTotpEnrolment(session, totp(newSecret, clock.now()));
      assert.equal(done.recoveryCodes.length, 10);
      const enrolled = (await ledgerEntries(t.custos, 'auth.enrolled')).at(-1);
      assert.deepEqual(enrolled?.data, { accountId, method: 'totp', replaced: true });
      assert.notDeepEqual(await storedSecret(), confirmedBefore);

      await assert.rejects(signIn(oldSecret), (e) => isCustosError(e, 'AUTH_INVALID'), 'the old one is gone');
      await signIn(newSecret);
      oldSecret = newSecret;
      // The pending secret was used up: confirming again needs a new enrolment.
      clock.advance(30_000);
      await assert.rejects(accounts().confirmTotpEnrolment(session, totp(newSecret, clock.now())), (e) =>
        isCustosError(e, 'ENROLMENT_REQUIRED'),
      );
    });

    test('confirming a re-enrolment needs a fresh step-up: not a password-only session, not a stale one', async () => {
      const session = await signIn(oldSecret);
      const { otpauthUri } = await accounts().beginTotpEnrolment(session);
      const pending = secretOf(otpauthUri);
      // Someone with the password only (and, say, a look at the new QR code) cannot complete it.
      const partial = await accounts().signIn({
        realm: 'staff',
        login,
        password: PASSWORD,
        address: '10.9.0.3',
      });
      const passwordOnly = await t.custos.identity.sessions.authenticate(partial.token, 'staff');
      clock.advance(30_000);
      await assert.rejects(accounts().confirmTotpEnrolment(passwordOnly, totp(pending, clock.now())), (e) =>
        isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      clock.advance(5 * 60_000);
      await assert.rejects(accounts().confirmTotpEnrolment(session, totp(pending, clock.now())), (e) =>
        isCustosError(e, 'STEP_UP_REQUIRED'),
      );
      // A fresh step-up with the old authenticator, and it goes through.
      await accounts().stepUp(session, { code: totp(oldSecret, clock.now()) });
      const stepped = await t.custos.identity.sessions.authenticate(
        tokens.get(session.id) as string,
        'staff',
      );
      clock.advance(30_000);
      await accounts().confirmTotpEnrolment(stepped, totp(pending, clock.now()));
      await assert.rejects(signIn(oldSecret), (e) => isCustosError(e, 'AUTH_INVALID'));
      oldSecret = pending;
      await signIn(oldSecret);
    });

    test('a pending secret left unconfirmed expires; the confirmed one is still the one that works', async () => {
      const session = await signIn(oldSecret);
      const { otpauthUri } = await accounts().beginTotpEnrolment(session);
      const abandoned = secretOf(otpauthUri);
      clock.advance(PENDING_TOTP_TTL_MS + 1);
      await assert.rejects(accounts().confirmTotpEnrolment(session, totp(abandoned, clock.now())), (e) =>
        isCustosError(e, 'ENROLMENT_REQUIRED'),
      );
      await signIn(oldSecret);
    });

    test('guessing confirmation codes is throttled like any second factor', async () => {
      const session = await signIn(oldSecret);
      await accounts().beginTotpEnrolment(session);
      const results: string[] = [];
      for (let i = 0; i < 5; i++)
        results.push(
          await accounts()
            .confirmTotpEnrolment(session, '000000')
            .then(
              () => 'ok',
              (e) => e.code,
            ),
        );
      assert.deepEqual(results, [
        'AUTH_INVALID',
        'AUTH_INVALID',
        'AUTH_INVALID',
        'AUTH_INVALID',
        'RATE_LIMITED',
      ]);
      const throttled = (await ledgerEntries(t.custos, 'auth.sign_in_throttled')).at(-1);
      assert.deepEqual(throttled?.data, {
        realm: 'staff',
        on: ['second-factor'],
        retryAfterSeconds: 1,
        accountId,
      });
      assert.equal(throttled?.actor, `account:${accountId}`);
      clock.advance(5 * 60_000);
      await signIn(oldSecret);
    });
  });
}

describe('TOTP re-enrolment over HTTP (the finding as reported)', () => {
  const clock = manualClock(Date.UTC(2026, 11, 2, 10));
  let t: TestCustos;
  let app: FastifyInstance;
  before(async () => {
    t = await testCustos('sqlite', { clock });
    app = await buildServer(t.custos.server());
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  test('POST /v1/auth/totp/enrol on a fresh session does not lock out the real authenticator', async () => {
    const send = async (
      method: string,
      url: string,
      body: object | undefined,
      headers: Record<string, string>,
    ) => {
      const res = await app.inject({ method: method as 'POST', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    const staff = await signInStaff(send, t.adminToken, { now: clock.now });
    const email = (
      await t.custos.database.db
        .selectFrom('accounts')
        .select('login')
        .where('id', '=', staff.accountId)
        .executeTakeFirstOrThrow()
    ).login;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const enrol = await send('POST', '/v1/auth/totp/enrol', {}, bearer(staff.token));
    assert.equal(enrol.status, 200, JSON.stringify(enrol.body));
    const newSecret = secretOf((enrol.body as { otpauthUri: string }).otpauthUri);

    // The real authenticator still signs in.
    clock.advance(30_000);
    const partial = await send(
      'POST',
      '/v1/auth/sign-in',
      { login: email, password: 'a long and unusual passphrase' },
      {},
    );
    assert.equal(partial.status, 200);
    const partialToken = (partial.body as { token: string }).token;
    const second = await send(
      'POST',
      '/v1/auth/second-factor',
      { code: totp(staff.secret, clock.now()) },
      bearer(partialToken),
    );
    assert.equal(second.status, 200, JSON.stringify(second.body));

    // Confirming the new one on the session that started it switches over.
    clock.advance(30_000);
    const confirmed = await send(
      'POST',
      '/v1/auth/totp/confirm',
      { code: totp(newSecret, clock.now()) },
      bearer(staff.token),
    );
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const started = await ledgerEntries(t.custos, 'auth.totp_enrolment_started');
    assert.deepEqual(
      started.map((e) => e.data.replacing),
      [false, true],
      'first enrolment and re-enrolment are both ledgered from their start',
    );
  });
});
