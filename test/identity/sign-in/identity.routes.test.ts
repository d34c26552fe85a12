/** Staff sign-in over HTTP: invitation, enrolment, two-step sign-in, cookies with CSRF, step-up, suspension. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { decodeBase32 } from '../../../src/identity/second-factor/base32.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { buildServer } from '../../../src/http/server.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';

describe('identity over HTTP', () => {
  const clock = manualClock(Date.UTC(2026, 10, 23, 10));
  let t: TestCustos;
  let app: FastifyInstance;
  let secret: Buffer;
  let accountId: string;
  before(async () => {
    t = await testCustos('sqlite', { clock });
    app = await buildServer(t.custos.server());
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const code = () => totp(secret, clock.now());

  test('invitation → password → enrolment; the password-only session reaches nothing else', async () => {
    const invited = await post(
      '/v1/staff/invitations',
      {
        email: 'chen.jing@custos.example',
        displayName: 'Chen Jing',
        role: 'store',
        region: 'east',
        site: 'east-store-1',
        shift: 'day',
      },
      bearer(t.adminToken),
    );
    assert.equal(invited.statusCode, 201);
    accountId = invited.json().accountId;
    const noAdmin = await post('/v1/staff/invitations', { email: 'x@custos.example' });
    assert.equal(noAdmin.statusCode, 401);
    const accepted = await post('/v1/auth/invitations/accept', {
      token: invited.json().invitationToken,
      password: 'a long and unusual passphrase',
    });
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json().secondFactorDone, false);
    assert.match(
      accepted.headers['set-cookie'] as string,
      /custos_session=css_.*HttpOnly.*Secure.*SameSite=Strict/i,
    );
    const partial = accepted.json().token as string;
    const who = await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(partial) });
    assert.equal(who.statusCode, 401);
    assert.equal(who.json().error.code, 'SECOND_FACTOR_REQUIRED');
    const someId = '01a20856-8bfa-73cd-b677-728695ea8377';
    for (const [method, url] of [
      ['GET', `/v1/cases/${someId}/customer`],
      ['PATCH', `/v1/cases/${someId}/customer`],
      ['POST', `/v1/cases/${someId}/reveal`],
      ['PUT', `/v1/cases/${someId}/consents/sale`],
      ['POST', '/v1/cases'],
      ['POST', '/v1/customers/search'],
      ['POST', '/v1/customers'],
      ['POST', '/v1/break-glass'],
      ['POST', `/v1/exports/${someId}/run`],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: bearer(partial),
        payload: method === 'GET' ? undefined : {},
      });
      assert.equal(res.statusCode, 401, url);
      assert.equal(
        res.json().error.code,
        'SECOND_FACTOR_REQUIRED',
        `${method} ${url} needs the second factor`,
      );
    }
    const enrol = await post('/v1/auth/totp/enrol', {}, bearer(partial));
    secret = decodeBase32(new URL(enrol.json().otpauthUri).searchParams.get('secret') as string) as Buffer;
    const confirmed = await post('/v1/auth/totp/confirm', { code: code() }, bearer(partial));
    assert.equal(confirmed.statusCode, 200);
    assert.equal(confirmed.json().recoveryCodes.length, 10);
    const me = await app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: bearer(confirmed.json().token),
    });
    assert.equal(me.json().actor.type, 'staff');
  });

  test('two-step sign-in; a cookie session must send its CSRF token to change state', async () => {
    clock.advance(60_000);
    const first = await post('/v1/auth/sign-in', {
      login: 'chen.jing@custos.example',
      password: 'a long and unusual passphrase',
    });
    assert.equal(first.statusCode, 200);
    const second = await post('/v1/auth/second-factor', { code: code() }, bearer(first.json().token));
    assert.equal(second.statusCode, 200);
    const cookie = `custos_session=${second.json().token}`;
    const noCsrf = await post('/v1/auth/step-up', { code: code() }, { cookie });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().error.code, 'CSRF_INVALID');
    clock.advance(30_000);
    const stepped = await post(
      '/v1/auth/step-up',
      { code: code() },
      { cookie, 'x-csrf-token': second.json().csrfToken },
    );
    assert.equal(stepped.statusCode, 204);
    const read = await app.inject({ method: 'GET', url: '/v1/auth/session', headers: { cookie } });
    assert.equal(read.statusCode, 200, 'safe methods need no CSRF token');
  });

  test('wrong password and unknown login answer alike; suspension cuts the next request', async () => {
    const wrong = await post('/v1/auth/sign-in', {
      login: 'chen.jing@custos.example',
      password: 'not it, not at all',
    });
    const unknown = await post('/v1/auth/sign-in', {
      login: 'ghost@custos.example',
      password: 'not it, not at all',
    });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual({ ...wrong.json().error, requestId: 0 }, { ...unknown.json().error, requestId: 0 });
    clock.advance(60_000);
    const first = await post('/v1/auth/sign-in', {
      login: 'chen.jing@custos.example',
      password: 'a long and unusual passphrase',
    });
    const full = await post('/v1/auth/second-factor', { code: code() }, bearer(first.json().token));
    const token = full.json().token as string;
    assert.equal(
      (await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(token) })).statusCode,
      200,
    );
    const suspended = await post(`/v1/staff/accounts/${accountId}/suspend`, {}, bearer(t.adminToken));
    assert.equal(suspended.statusCode, 204);
    const after = await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(token) });
    assert.equal(after.statusCode, 401);
  });
});
