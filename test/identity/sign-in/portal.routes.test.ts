/** The customer realm over HTTP: invitation by staff, sign-up, TOTP, two-step sign-in, and realm separation. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { signInCustomer } from '../../support/customer-session.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { type Send, signInStaff } from '../../support/staff-session.ts';

describe('customer portal', () => {
  const clock = manualClock(Date.UTC(2026, 11, 1, 10));
  let t: TestCustos;
  let app: FastifyInstance;
  let send: Send;
  let staff: Awaited<ReturnType<typeof signInStaff>>;
  let customer: Awaited<ReturnType<typeof signInCustomer>>;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const errorCode = (res: { body: unknown }) => (res.body as { error: { code: string } }).error.code;
  const PASSWORD = 'my own long portal passphrase';

  before(async () => {
    t = await testCustos('sqlite', { clock });
    app = await buildServer(t.custos.server());
    send = async (method, url, body, headers) => {
      const res = await app.inject({ method: method as 'GET', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    staff = await signInStaff(send, t.adminToken, { now: clock.now });
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  async function stepUpStaff() {
    clock.advance(30_000);
    const res = await send(
      'POST',
      '/v1/auth/step-up',
      { code: totp(staff.secret, clock.now()) },
      bearer(staff.token),
    );
    assert.equal(res.status, 204);
  }

  test('a customer signs up by invitation, enrols TOTP and gets a full customer session', async () => {
    customer = await signInCustomer(send, staff, { now: clock.now, inbox: t });
    const who = await send('GET', '/v1/portal/session', undefined, bearer(customer.token));
    assert.equal(who.status, 200);
    assert.deepEqual(who.body, {
      accountId: customer.accountId,
      actor: { type: 'customer', id: customer.customerId },
      realm: 'customer',
    });
    const invited = await ledgerEntries(t.custos, 'account.invited');
    assert.deepEqual(invited.at(-1)?.data, {
      accountId: customer.accountId,
      realm: 'customer',
      subjectId: customer.customerId,
    });
    assert.equal(invited.at(-1)?.actor, `staff:${staff.staffId}`);
  });

  async function register(name: string, contacts: { phone?: string; email?: string }) {
    const created = await send(
      'POST',
      '/v1/customers',
      { customer: { name, ...contacts }, case: { purpose: 'repair', channel: 'counter' } },
      bearer(staff.token),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { customer: { id: string }; case: { id: string } };
  }
  const invite = (caseId: string, channel: string, token = staff.token) =>
    send('POST', `/v1/cases/${caseId}/portal-invitation`, { channel }, bearer(token));
  /** The token in the latest SMS the development adapter wrote to `number`. */
  const smsTokenFor = async (number: string) => {
    await t.deliver();
    const dir = join(t.config.dataDir, 'outbox', 'sms');
    const texts = readdirSync(dir)
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .filter((text) => text.startsWith(`To: ${number}\n`));
    const match = /Invitation token: ([A-Za-z0-9_-]{20,})/.exec(texts.at(-1) ?? '');
    assert.ok(match, 'an SMS with an invitation token');
    return match[1] as string;
  };

  test('the invitation goes through a case by a channel, to the contact on file, never to staff; it needs a fresh step-up and is for one realm only', async () => {
    const { customer: liNa, case: liNaCase } = await register('Li Na', {
      phone: '+86 138 0013 8000',
      email: 'li.na@example.com',
    });
    const caseId = liNaCase.id;
    clock.advance(6 * 60_000);
    const stale = await invite(caseId, 'phone');
    assert.equal(errorCode(stale), 'STEP_UP_REQUIRED');
    await stepUpStaff();
    // Staff cannot name a login: only a channel.
    for (const body of [
      { login: 'li.na@example.com' },
      { channel: 'li.na@example.com' },
      { channel: 'fax' },
    ]) {
      const res = await send('POST', `/v1/cases/${caseId}/portal-invitation`, body, bearer(staff.token));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(errorCode(res), 'VALIDATION_FAILED');
    }
    const missing = await invite('01a20856-8bfa-73cd-b677-728695ea8377', 'phone');
    assert.equal(errorCode(missing), 'CASE_NOT_FOUND');
    const byPhone = await invite(caseId, 'phone');
    assert.equal(byPhone.status, 202, JSON.stringify(byPhone.body));
    assert.deepEqual(byPhone.body, { channel: 'phone', status: 'requested' });
    const token = await smsTokenFor('+8613800138000');
    assert.ok(!JSON.stringify(byPhone.body).includes(token));
    const invited = await ledgerEntries(t.custos, 'account.invited');
    assert.equal(invited.at(-1)?.subject, liNa.id);

    const atStaffRoute = await send('POST', '/v1/auth/invitations/accept', { token, password: PASSWORD }, {});
    assert.equal(errorCode(atStaffRoute), 'INVITATION_INVALID');
    const signedUp = await send('POST', '/v1/portal/sign-up', { token, password: PASSWORD }, {});
    assert.equal(signedUp.status, 200, 'a refusal at the staff route did not use the invitation up');
    assert.equal((signedUp.body as { secondFactorDone: boolean }).secondFactorDone, false);
    // The login is the phone on file: a second invitation (now the account is active) sends nothing, and says the same.
    const twice = await invite(caseId, 'email');
    assert.deepEqual(twice.body, { channel: 'email', status: 'requested' });
    assert.equal(await t.deliver(), 0, 'nothing sent to an account already signed up');
    const notYet = await send(
      'GET',
      '/v1/portal/session',
      undefined,
      bearer((signedUp.body as { token: string }).token),
    );
    assert.equal(errorCode(notYet), 'SECOND_FACTOR_REQUIRED');
  });

  test('staff invite only the customer of a case they may view', async () => {
    const { case: wangCase } = await register('Wang Fang', { email: 'wang.fang@example.com' });
    const { customer: zhao, case: zhaoCase } = await register('Zhao Lei', { email: 'zhao.lei@example.com' });
    const other = await signInStaff(send, t.adminToken, { now: clock.now });

    // A staff member without a case for Zhao cannot reach Zhao through a case of someone else's.
    const viaOthersCase = await invite(zhaoCase.id, 'email', other.token);
    assert.equal(viaOthersCase.status, 403);
    assert.equal(errorCode(viaOthersCase), 'CASE_NOT_ASSIGNED');

    // A closed case reaches nobody, and a refusal is ledgered with the case and its customer.
    await stepUpStaff();
    assert.equal((await send('POST', `/v1/cases/${wangCase.id}/close`, {}, bearer(staff.token))).status, 200);
    const closed = await invite(wangCase.id, 'email');
    assert.equal(errorCode(closed), 'CASE_CLOSED');

    const denied = await ledgerEntries(t.custos, 'access.denied');
    assert.ok(
      denied.some(
        (e) =>
          e.actor === `staff:${other.staffId}` &&
          e.data.caseId === zhaoCase.id &&
          e.data.customerId === zhao.id &&
          e.data.code === 'CASE_NOT_ASSIGNED',
      ),
    );
    assert.equal(
      (await ledgerEntries(t.custos, 'account.invited')).filter((e) => e.subject === zhao.id).length,
      0,
    );
    const ours = await invite(zhaoCase.id, 'email');
    assert.equal(ours.status, 202, JSON.stringify(ours.body));
    assert.ok(await t.invitationTokenFor('zhao.lei@example.com'));
  });

  test('sign-in: email or phone in any usual form, password, then a second factor', async () => {
    clock.advance(60_000);
    const first = await send(
      'POST',
      '/v1/portal/sign-in',
      { login: customer.email.toUpperCase(), password: PASSWORD },
      {},
    );
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const partial = (first.body as { token: string }).token;
    const second = await send(
      'POST',
      '/v1/portal/second-factor',
      { code: totp(customer.secret, clock.now()) },
      bearer(partial),
    );
    assert.equal(second.status, 200);
    assert.equal((second.body as { secondFactorDone: boolean }).secondFactorDone, true);
    assert.match(
      String(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/portal/sign-in',
            payload: { login: customer.email, password: PASSWORD },
          })
        ).headers['set-cookie'],
      ),
      /^custos_portal_session=css_/,
    );
    const wrong = await send(
      'POST',
      '/v1/portal/sign-in',
      { login: customer.email, password: 'not the passphrase' },
      {},
    );
    assert.equal(errorCode(wrong), 'AUTH_INVALID');
  });

  test('a customer session passes no staff route', async () => {
    const asCustomer = bearer(customer.token);
    for (const [method, url, body] of [
      ['GET', '/v1/auth/session', undefined],
      ['GET', `/v1/cases/${customer.customerId}/customer`, undefined],
      ['POST', '/v1/customers/search', { by: 'email', value: customer.email }],
      ['POST', '/v1/customers', { customer: { name: 'X' }, case: { purpose: 'repair', channel: 'counter' } }],
      ['POST', `/v1/cases/${customer.customerId}/portal-invitation`, { channel: 'email' }],
      ['POST', '/v1/auth/step-up', { code: '000000' }],
      ['GET', '/v1/auth/passkeys', undefined],
      ['POST', '/v1/staff/invitations', { email: 'x@example.com' }],
      ['GET', '/v1/ledger/entries/0', undefined],
    ] as const) {
      const res = await send(method, url, body, asCustomer);
      assert.equal(res.status, 401, `${method} ${url}: ${JSON.stringify(res.body)}`);
    }
    const viaCookie = await app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: { cookie: `custos_portal_session=${customer.token}` },
    });
    assert.equal(viaCookie.json().error.code, 'AUTH_REQUIRED');
    const staffSignIn = await send(
      'POST',
      '/v1/auth/sign-in',
      { login: customer.email, password: PASSWORD },
      {},
    );
    assert.equal(errorCode(staffSignIn), 'AUTH_INVALID');
  });

  test('a staff session passes no portal route', async () => {
    const asStaff = bearer(staff.token);
    for (const [method, url, body] of [
      ['GET', '/v1/portal/session', undefined],
      ['POST', '/v1/portal/step-up', { code: '000000' }],
      ['POST', '/v1/portal/totp/enrol', {}],
      ['POST', '/v1/portal/sign-out', {}],
      ['GET', '/v1/portal/passkeys', undefined],
      ['POST', '/v1/portal/passkeys/registration/options', {}],
    ] as const) {
      const res = await send(method, url, body, asStaff);
      assert.equal(res.status, 401, `${method} ${url}`);
      assert.equal(errorCode(res), 'AUTH_INVALID', `${method} ${url}`);
    }
    const portalSignIn = await send(
      'POST',
      '/v1/portal/sign-in',
      { login: 'whoever@custos.example', password: PASSWORD },
      {},
    );
    assert.equal(errorCode(portalSignIn), 'AUTH_INVALID');
  });

  test('sign-out ends the customer session and is ledgered', async () => {
    const out = await send('POST', '/v1/portal/sign-out', {}, bearer(customer.token));
    assert.equal(out.status, 204);
    assert.equal((await send('GET', '/v1/portal/session', undefined, bearer(customer.token))).status, 401);
    const entries = await ledgerEntries(t.custos, 'auth.signed_out');
    assert.equal(entries.at(-1)?.data.accountId, customer.accountId);
  });
});
