/**
 * Staff single sign-on against a real OpenID Provider: roles, second-factor freshness, state, nonce and replay —
 * first the sign-in module alone, then through Custos's own routes (provisioning, sessions, refusals).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ClientError, ResponseBodyError } from 'openid-client';
import { buildServer } from '../../../src/http/server.ts';
import {
  createOidcSignIn,
  type OidcSignInOptions,
  type PendingSignIn,
} from '../../../src/identity/sso/oidc.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { type ErrorCode, isCustosError } from '../../../src/platform/errors.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { startTestProvider, type TestAccount, type TestProvider } from '../../support/oidc-provider.ts';

const now = () => Math.floor(Date.now() / 1000);
const rejectedWith =
  (code: ErrorCode, because: (cause: unknown) => boolean = () => true) =>
  (error: unknown) =>
    isCustosError(error, code) && because(error.cause);

describe('staff single sign-on (OpenID Connect)', () => {
  let idp: TestProvider;
  let options: OidcSignInOptions;

  before(async () => {
    idp = await startTestProvider([
      {
        sub: 'alice',
        email: 'alice@custos.test',
        name: 'Alice',
        groups: ['custos-support'],
        amr: ['pwd', 'otp'],
      },
      { sub: 'bob', email: 'bob@custos.test', name: 'Bob', groups: ['custos-support'], amr: ['pwd'] },
      {
        sub: 'carol',
        email: 'carol@custos.test',
        name: 'Carol',
        groups: ['custos-interns'],
        amr: ['pwd', 'otp'],
      },
      {
        sub: 'dave',
        email: 'dave@custos.test',
        name: 'Dave',
        groups: ['everyone', 'custos-admins'],
        amr: ['pwd', 'hwk'],
        authTime: now() - 10 * 60,
      },
    ]);
    options = {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      redirectUri: idp.redirectUri,
      scopes: ['openid', 'email', 'profile', 'groups'],
      groupRoles: { 'custos-support': 'support', 'custos-admins': 'admin' },
      allowHttpOnLoopback: true,
    };
  });
  after(() => idp.close());

  async function signIn(sso = createOidcSignIn(options), account = 'alice') {
    const { url, pending } = await sso.start();
    return { sso, pending, callbackUrl: await idp.signInAt(url, account) };
  }

  test('start asks for the code flow with PKCE S256, state and nonce', async () => {
    const { url, pending } = await createOidcSignIn(options).start();
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    const challenge = createHash('sha256').update(pending.codeVerifier).digest('base64url');
    assert.equal(url.searchParams.get('code_challenge'), challenge);
    assert.equal(url.searchParams.get('state'), pending.state);
    assert.equal(url.searchParams.get('nonce'), pending.nonce);
    assert.equal(url.searchParams.get('redirect_uri'), idp.redirectUri);
  });

  test('a full sign-in with a fresh one-time code yields the mapped role and a recent second factor', async () => {
    const { sso, pending, callbackUrl } = await signIn();
    const staff = await sso.finish({ callbackUrl, pending });
    assert.equal(staff.subject, 'alice');
    assert.equal(staff.email, 'alice@custos.test');
    assert.equal(staff.name, 'Alice');
    assert.equal(staff.role, 'support');
    assert.equal(staff.recentSecondFactor, true);
    assert.ok(staff.authTime !== null && Math.abs(Date.now() - staff.authTime) < 60_000);
  });

  test('a password-only login is not a second factor', async () => {
    const { sso, pending, callbackUrl } = await signIn(undefined, 'bob');
    const staff = await sso.finish({ callbackUrl, pending });
    assert.equal(staff.role, 'support');
    assert.equal(staff.recentSecondFactor, false);
  });

  test('a second factor used longer ago than the window does not count; unmapped groups are ignored', async () => {
    const { sso, pending, callbackUrl } = await signIn(undefined, 'dave');
    const staff = await sso.finish({ callbackUrl, pending });
    assert.equal(staff.role, 'admin');
    assert.equal(staff.recentSecondFactor, false);
  });

  test('a callback whose state was tampered with or removed is refused', async () => {
    const { sso, pending, callbackUrl } = await signIn();
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${pending.state.slice(0, -1)}x`);
    await assert.rejects(sso.finish({ callbackUrl: tampered, pending }), rejectedWith('AUTH_INVALID'));
    const stripped = new URL(callbackUrl);
    stripped.searchParams.delete('state');
    await assert.rejects(sso.finish({ callbackUrl: stripped, pending }), rejectedWith('AUTH_INVALID'));
    const swapped: PendingSignIn = { ...pending, state: 'someone-elses-state' };
    await assert.rejects(sso.finish({ callbackUrl, pending: swapped }), rejectedWith('AUTH_INVALID'));
  });

  test('a pending record with the wrong nonce is refused by the ID token check', async () => {
    const { sso, pending, callbackUrl } = await signIn();
    await assert.rejects(
      sso.finish({ callbackUrl, pending: { ...pending, nonce: 'not-the-nonce' } }),
      rejectedWith('AUTH_INVALID', (cause) => cause instanceof ClientError && /claim/.test(cause.message)),
    );
  });

  test('an account in no mapped group is refused', async () => {
    const { sso, pending, callbackUrl } = await signIn(undefined, 'carol');
    await assert.rejects(sso.finish({ callbackUrl, pending }), rejectedWith('FORBIDDEN'));
  });

  test('a pending record works once: we refuse the replay, and so does the provider', async () => {
    const { sso, pending, callbackUrl } = await signIn();
    await sso.finish({ callbackUrl, pending });
    await assert.rejects(sso.finish({ callbackUrl, pending }), rejectedWith('AUTH_INVALID'));
    // Another Custos instance has not seen the state; the provider still refuses the spent code.
    await assert.rejects(
      createOidcSignIn(options).finish({ callbackUrl, pending }),
      rejectedWith(
        'AUTH_INVALID',
        (cause) => cause instanceof ResponseBodyError && cause.error === 'invalid_grant',
      ),
    );
  });

  test('a pending record older than its time to live is refused', async () => {
    let offset = 0;
    const sso = createOidcSignIn({ ...options, clock: { now: () => Date.now() + offset } });
    const { pending, callbackUrl } = await signIn(sso);
    offset = 10 * 60_000 + 1;
    await assert.rejects(sso.finish({ callbackUrl, pending }), rejectedWith('AUTH_INVALID'));
  });

  test('discovery happens once per sign-in configuration', async () => {
    const sso = createOidcSignIn(options);
    const before = idp.discoveries();
    await sso.start();
    await sso.start();
    assert.equal(idp.discoveries(), before + 1);
  });

  test('configuration mistakes stop at construction', () => {
    const invalid = rejectedWith('CONFIG_INVALID');
    assert.throws(() => createOidcSignIn({ ...options, issuer: 'http://idp.example.com' }), invalid);
    assert.throws(() => createOidcSignIn({ ...options, allowHttpOnLoopback: false }), invalid);
    assert.throws(() => createOidcSignIn({ ...options, scopes: ['email'] }), invalid);
    assert.throws(() => createOidcSignIn({ ...options, groupRoles: {} }), invalid);
    assert.throws(() => createOidcSignIn({ ...options, groupRoles: { staff: 'owner' as 'admin' } }), invalid);
  });
});

describe('staff single sign-on through the product routes', () => {
  let idp: TestProvider;
  let t: TestCustos;
  let app: FastifyInstance;
  const alice: TestAccount = {
    sub: 'alice',
    email: 'alice@custos.test',
    name: 'Alice',
    groups: ['custos-support'],
    amr: ['pwd', 'otp'],
  };

  before(async () => {
    idp = await startTestProvider([
      alice,
      { sub: 'bob', email: 'bob@custos.test', name: 'Bob', groups: ['custos-support'], amr: ['pwd'] },
      {
        sub: 'dave',
        email: 'dave@custos.test',
        name: 'Dave',
        groups: ['custos-admins'],
        amr: ['pwd', 'hwk'],
        authTime: now() - 10 * 60,
      },
      { sub: 'erin', email: 'Erin@Custos.test', name: 'Erin', groups: ['custos-support'], amr: ['otp'] },
    ]);
    t = await testCustos('sqlite', {
      env: {
        CUSTOS_OIDC_ISSUER: idp.issuer,
        CUSTOS_OIDC_CLIENT_ID: idp.clientId,
        CUSTOS_OIDC_CLIENT_SECRET: idp.clientSecret,
        CUSTOS_OIDC_REDIRECT_URI: idp.redirectUri,
        CUSTOS_OIDC_GROUP_ROLES: 'custos-support=support, custos-admins=admin',
        CUSTOS_OIDC_SCOPES: 'openid email profile groups',
      },
    });
    app = await buildServer(t.custos.server());
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
    await idp?.close();
  });

  /** Start at Custos, sign in at the IdP as `account`; the callback request still to be made. */
  async function startSignIn(account: string) {
    const start = await app.inject({ method: 'GET', url: '/v1/auth/oidc/start' });
    assert.equal(start.statusCode, 302);
    const setCookie = String(start.headers['set-cookie']);
    const handle = /custos_oidc=([^;]+)/.exec(setCookie)?.[1] ?? '';
    const callbackUrl = new URL(await idp.signInAt(new URL(String(start.headers.location)), account));
    const callback = (query = callbackUrl.search, cookie = `custos_oidc=${handle}`) =>
      app.inject({ method: 'GET', url: `/v1/auth/oidc/callback${query}`, headers: { cookie } });
    return { setCookie, callbackUrl, callback };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;
  const staffRole = async (accountId: string) =>
    (
      await t.custos.database.db
        .selectFrom('accounts')
        .innerJoin('staff', 'staff.id', 'accounts.subject_id')
        .select('staff.role')
        .where('accounts.id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).role;

  test('start redirects to the IdP and keeps the pending sign-in behind an HttpOnly, SameSite=Lax cookie', async () => {
    const start = await app.inject({ method: 'GET', url: '/v1/auth/oidc/start' });
    assert.equal(start.statusCode, 302);
    assert.ok(String(start.headers.location).startsWith(`${idp.issuer}/`));
    assert.match(
      String(start.headers['set-cookie']),
      /^custos_oidc=[A-Za-z0-9_-]{43};.*Path=\/v1\/auth\/oidc;.*HttpOnly; Secure; SameSite=Lax/,
    );
    assert.ok((new URL(String(start.headers.location)).searchParams.get('state') ?? '').length > 20);
  });

  test('first sign-in provisions the staff member; a fresh IdP second factor also satisfies step-up', async () => {
    const res = await (await startSignIn('alice')).callback();
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().secondFactorDone, true);
    const token = res.json().token as string;
    const who = await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(token) });
    assert.equal(who.json().realm, 'staff');
    const accountId = who.json().accountId as string;
    assert.equal(await staffRole(accountId), 'support');
    const link = await t.custos.database.db.selectFrom('sso_identities').selectAll().execute();
    assert.deepEqual(
      link.map((l) => [l.issuer, l.subject, l.account_id]),
      [[idp.issuer, 'alice', accountId]],
    );
    const provisioned = await ledgerEntries(t.custos, 'account.provisioned');
    assert.deepEqual(provisioned.at(-1)?.data.accountId, accountId);
    const signedIn = await ledgerEntries(t.custos, 'auth.signed_in');
    assert.deepEqual(signedIn.at(-1)?.data.method, 'oidc');
    const stepUpGuarded = await app.inject({
      method: 'POST',
      url: '/v1/auth/passkeys/registration/options',
      headers: bearer(token),
      payload: {},
    });
    assert.equal(stepUpGuarded.statusCode, 200);
  });

  test('later sign-ins reach the same account and follow the IdP groups for the role', async () => {
    const first = await (await startSignIn('alice')).callback();
    alice.groups = ['custos-admins'];
    try {
      const second = await (await startSignIn('alice')).callback();
      assert.equal(second.statusCode, 200);
      const ids = await Promise.all(
        [first, second].map(
          async (r) =>
            (
              await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(r.json().token) })
            ).json().accountId,
        ),
      );
      assert.equal(ids[0], ids[1]);
      assert.equal(await staffRole(ids[0]), 'admin');
      const changed = await ledgerEntries(t.custos, 'staff.role_changed');
      assert.deepEqual(
        { from: changed.at(-1)?.data.from, to: changed.at(-1)?.data.to },
        { from: 'support', to: 'admin' },
      );
    } finally {
      alice.groups = ['custos-support'];
    }
  });

  test('an old IdP second factor signs in but does not satisfy step-up', async () => {
    const res = await (await startSignIn('dave')).callback();
    assert.equal(res.statusCode, 200, res.body);
    const stepUpGuarded = await app.inject({
      method: 'POST',
      url: '/v1/auth/passkeys/registration/options',
      headers: bearer(res.json().token),
      payload: {},
    });
    assert.equal(stepUpGuarded.statusCode, 401);
    assert.equal(code(stepUpGuarded), 'STEP_UP_REQUIRED');
  });

  test('an IdP login without any second factor is refused, and nothing is provisioned', async () => {
    const res = await (await startSignIn('bob')).callback();
    assert.equal(res.statusCode, 403);
    assert.equal(code(res), 'IDP_SECOND_FACTOR_REQUIRED');
    const bob = await t.custos.database.db
      .selectFrom('sso_identities')
      .selectAll()
      .where('subject', '=', 'bob')
      .execute();
    assert.deepEqual(bob, []);
    const failed = await ledgerEntries(t.custos, 'auth.sign_in_failed');
    assert.equal(failed.at(-1)?.data.reason, 'idp_no_second_factor');
  });

  test('a tampered state, a missing cookie and a replay are refused', async () => {
    const { callbackUrl, callback } = await startSignIn('alice');
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')?.slice(0, -1)}x`);
    const res = await callback(tampered.search);
    assert.equal(res.statusCode, 401);
    assert.equal(code(res), 'AUTH_INVALID');
    // The pending sign-in was used up by the refused attempt: the genuine callback cannot follow it.
    assert.equal((await callback()).statusCode, 401);

    const other = await startSignIn('alice');
    assert.equal((await other.callback(undefined, '')).statusCode, 401, 'no cookie');
    assert.equal((await other.callback(undefined, 'custos_oidc=forged')).statusCode, 401, 'forged cookie');
    assert.equal((await other.callback()).statusCode, 200);
    assert.equal((await other.callback()).statusCode, 401, 'replay');
  });

  test('an email that already has a password account is not taken over', async () => {
    const invited = await app.inject({
      method: 'POST',
      url: '/v1/staff/invitations',
      headers: bearer(t.adminToken),
      payload: {
        email: 'erin@custos.test',
        displayName: 'Erin',
        role: 'store',
        region: 'east',
        site: 'east-store-1',
        shift: 'day',
      },
    });
    assert.equal(invited.statusCode, 201);
    const res = await (await startSignIn('erin')).callback();
    assert.equal(res.statusCode, 403);
    assert.equal(code(res), 'FORBIDDEN');
  });

  test('a suspended account is refused', async () => {
    const res = await (await startSignIn('alice')).callback();
    const accountId = (
      await app.inject({ method: 'GET', url: '/v1/auth/session', headers: bearer(res.json().token) })
    ).json().accountId;
    const suspended = await app.inject({
      method: 'POST',
      url: `/v1/staff/accounts/${accountId}/suspend`,
      headers: bearer(t.adminToken),
    });
    assert.equal(suspended.statusCode, 204);
    const again = await (await startSignIn('alice')).callback();
    assert.equal(again.statusCode, 403);
    assert.equal(code(again), 'ACCOUNT_SUSPENDED');
  });

  test('without configuration there are no single sign-on routes; half a configuration stops the process', async () => {
    const plain = await testCustos('sqlite');
    try {
      const server = await buildServer(plain.custos.server());
      const res = await server.inject({ method: 'GET', url: '/v1/auth/oidc/start' });
      assert.equal(res.statusCode, 404);
      await server.close();
    } finally {
      await plain.cleanup();
    }
    assert.throws(() => loadConfig({ CUSTOS_OIDC_ISSUER: idp.issuer }), rejectedWith('CONFIG_INVALID'));
    assert.throws(
      () =>
        loadConfig({
          CUSTOS_OIDC_ISSUER: idp.issuer,
          CUSTOS_OIDC_CLIENT_ID: 'x',
          CUSTOS_OIDC_GROUP_ROLES: 'no pairs here',
        }),
      rejectedWith('CONFIG_INVALID'),
    );
  });
});
