/** Staff single sign-on against a real OpenID Provider: roles, second-factor freshness, state, nonce and replay. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ClientError, ResponseBodyError } from 'openid-client';
import { createOidcSignIn, type OidcSignInOptions, type PendingSignIn } from '../../src/identity/oidc.ts';
import { type ErrorCode, isCustosError } from '../../src/platform/errors.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';

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
