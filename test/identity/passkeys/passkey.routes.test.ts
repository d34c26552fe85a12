/** Passkey routes over HTTP without a browser: what they demand before any WebAuthn happens, and bad input. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { type Send, signInStaff } from '../../support/staff-session.ts';

describe('passkey routes', () => {
  const clock = manualClock(Date.UTC(2026, 11, 1, 9));
  let t: TestCustos;
  let app: FastifyInstance;
  let send: Send;
  let alice: Awaited<ReturnType<typeof signInStaff>>;
  let bob: Awaited<ReturnType<typeof signInStaff>>;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const fakeCredential = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} };

  before(async () => {
    t = await testCustos('sqlite', { clock, env: { CUSTOS_PUBLIC_ORIGIN: 'https://custos.example' } });
    app = await buildServer(t.custos.server());
    send = async (method, url, body, headers) => {
      const res = await app.inject({ method: method as 'GET', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    alice = await signInStaff(send, t.adminToken, { now: clock.now });
    clock.advance(30_000);
    bob = await signInStaff(send, t.adminToken, { now: clock.now });
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  test('enrolment and removal need a fresh step-up; options are bound to the public origin', async () => {
    clock.advance(6 * 60_000);
    const stale = await send('POST', '/v1/auth/passkeys/registration/options', {}, bearer(alice.token));
    assert.equal(stale.status, 401);
    assert.equal((stale.body as { error: { code: string } }).error.code, 'STEP_UP_REQUIRED');
    const remove = await send('DELETE', '/v1/auth/passkeys/AAAA', undefined, bearer(alice.token));
    assert.equal((remove.body as { error: { code: string } }).error.code, 'STEP_UP_REQUIRED');

    for (const who of [alice, bob]) {
      clock.advance(30_000);
      const stepped = await send(
        'POST',
        '/v1/auth/step-up',
        { code: totp(who.secret, clock.now()) },
        bearer(who.token),
      );
      assert.equal(stepped.status, 204);
    }
    const fresh = await send('POST', '/v1/auth/passkeys/registration/options', {}, bearer(alice.token));
    assert.equal(fresh.status, 200);
    const { handle, options } = fresh.body as {
      handle: string;
      options: { rp: { id: string; name: string }; authenticatorSelection: { userVerification: string } };
    };
    assert.deepEqual(options.rp, { id: 'custos.example', name: 'Custos' });
    assert.equal(options.authenticatorSelection.userVerification, 'required');

    // Bob cannot finish a registration Alice started (the challenge names her account).
    const stolen = await send(
      'POST',
      '/v1/auth/passkeys/registration/verify',
      { handle, name: 'Mine', response: fakeCredential },
      bearer(bob.token),
    );
    assert.equal(stolen.status, 400);
    assert.equal((stolen.body as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });

  test('sign-in: a handle is single use and bound to its realm; bad input is a 4xx', async () => {
    const options = await app.inject({
      method: 'POST',
      url: '/v1/auth/passkeys/sign-in/options',
      payload: {},
    });
    assert.equal(options.statusCode, 200);
    assert.match(
      String(options.headers['set-cookie']),
      /custos_passkey_challenge=.*Path=\/v1\/auth\/passkeys\/sign-in.*HttpOnly.*Secure.*SameSite=Strict/i,
    );
    const { handle } = options.json() as { handle: string };
    const atPortal = await send(
      'POST',
      '/v1/portal/passkeys/sign-in/verify',
      { handle, response: fakeCredential },
      {},
    );
    assert.equal(atPortal.status, 401);
    const again = await send(
      'POST',
      '/v1/auth/passkeys/sign-in/verify',
      { handle, response: fakeCredential },
      {},
    );
    assert.equal(again.status, 401);
    for (const body of [
      { response: 'nope' },
      { handle, response: { ...fakeCredential, type: 'other' } },
      {},
    ]) {
      const bad = await send('POST', '/v1/auth/passkeys/sign-in/verify', body, {});
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal((bad.body as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
    }
    const noHandle = await send('POST', '/v1/auth/passkeys/sign-in/verify', { response: fakeCredential }, {});
    assert.equal(noHandle.status, 401);
  });

  test('a session of one realm reaches no passkey route of the other', async () => {
    const staffAtPortal = await send('GET', '/v1/portal/passkeys', undefined, bearer(alice.token));
    assert.equal(staffAtPortal.status, 401);
    assert.equal((staffAtPortal.body as { error: { code: string } }).error.code, 'AUTH_INVALID');
    const nobody = await send('GET', '/v1/auth/passkeys', undefined, {});
    assert.equal((nobody.body as { error: { code: string } }).error.code, 'AUTH_REQUIRED');
    const mine = await send('GET', '/v1/auth/passkeys', undefined, bearer(alice.token));
    assert.deepEqual(mine.body, { passkeys: [] });
  });
});
