/**
 * Passkeys end to end: real Chromium with a CDP virtual authenticator (CTAP2, internal, resident keys, user
 * verification) against a real Custos server (`buildServer`, listening on loopback) and its own passkey routes.
 * Covers enrolment (full session + fresh step-up), usernameless sign-in to a full session of the right account,
 * several named passkeys, removal, realm separation, and refusal of a cloned counter, a bogus signature and a
 * sign-in without user verification. The fixture page is served by the test through Playwright's routing, not
 * by the product.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CDPSession, Page } from 'playwright-core';
import { buildServer } from '../../../src/http/server.ts';
import { createPasskeys, type PasskeyAccount, passkeyName } from '../../../src/identity/passkeys/passkeys.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { chromiumMissing, launchChromium, type TestBrowser } from '../../support/chromium.ts';
import { signInCustomer } from '../../support/customer-session.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send, signInStaff } from '../../support/staff-session.ts';
import { createMemoryPasskeyStore } from './fixtures/passkey-memory-store.ts';

const fixturePage = readFileSync(new URL('./fixtures/passkeys.html', import.meta.url), 'utf8');
const require = createRequire(import.meta.url);
const browserBundle = readFileSync(
  join(dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'),
  'utf8',
);

const STAFF = '/v1/auth';
const PORTAL = '/v1/portal';

type Outcome = { status: number; body?: Record<string, unknown>; browserError?: string };
/** A credential as CDP's WebAuthn domain reports and accepts it (binary fields in base64). */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}
/** What the fixture page puts on `window`. */
interface PasskeyPage {
  register(prefix: string, token: string, name: string): Promise<Outcome>;
  signIn(prefix: string, tamper: Record<string, unknown>): Promise<Outcome>;
  passkeysReady?: boolean;
}

/** A port nobody listens on right now: the public origin must name it before the server is built. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe(
  'passkeys in Chromium, through the product routes',
  { skip: chromiumMissing(), timeout: 120_000 },
  () => {
    const warnings: { reason?: string; err?: { message?: string } }[] = [];
    let t: TestCustos | undefined;
    let app: FastifyInstance | undefined;
    let browser: TestBrowser | undefined;
    let send: Send;
    let page: Page;
    let cdp: CDPSession;
    let authenticatorId: string;
    const staff: Record<'alice' | 'bob', Awaited<ReturnType<typeof signInStaff>>> = {} as never;
    /** The authenticator's latest copy of each credential it has held, by passkey name. */
    const saved = new Map<string, VirtualCredential>();

    const register = (prefix: string, token: string, name: string): Promise<Outcome> =>
      page.evaluate(([p, t, n]) => (window as unknown as PasskeyPage).register(p, t, n), [
        prefix,
        token,
        name,
      ] as const);
    const signIn = (prefix = STAFF, tamper: Record<string, unknown> = {}): Promise<Outcome> =>
      page.evaluate(([p, t]) => (window as unknown as PasskeyPage).signIn(p, t), [prefix, tamper] as const);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    async function authenticatorCredentials(): Promise<VirtualCredential[]> {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    }

    /**
     * Make the authenticator hold exactly the named passkeys: a different device, in effect. What it held is
     * saved first, so each passkey comes back with its latest signature counter (an older copy is a clone).
     */
    async function holdOnly(...names: string[]): Promise<void> {
      for (const current of await authenticatorCredentials()) {
        for (const [name, credential] of saved) {
          if (credential.credentialId === current.credentialId) saved.set(name, current);
        }
      }
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
      for (const credential of names.map((name) => saved.get(name)!)) {
        await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
      }
    }

    /** Enrol through the product, check it was accepted, and remember the authenticator's copy by name. */
    async function registerOnFreshDevice(token: string, name: string, prefix = STAFF): Promise<string> {
      await holdOnly();
      const outcome = await register(prefix, token, name);
      assert.equal(outcome.status, 201, JSON.stringify(outcome));
      const [credential] = await authenticatorCredentials();
      assert.ok(credential);
      saved.set(name, credential);
      return String(outcome.body?.credentialId);
    }

    /** Signed in to a full staff session of `accountId`, as the product's own session route says. */
    async function assertSignedInAs(outcome: Outcome, accountId: string): Promise<void> {
      assert.equal(outcome.status, 200, JSON.stringify(outcome));
      assert.equal(outcome.body?.secondFactorDone, true);
      const who = await send('GET', `${STAFF}/session`, undefined, bearer(String(outcome.body?.token)));
      assert.equal(who.status, 200);
      assert.deepEqual(
        {
          accountId: (who.body as { accountId: string }).accountId,
          realm: (who.body as { realm: string }).realm,
        },
        { accountId, realm: 'staff' },
      );
    }

    /** Refused with the one client-facing answer, while the log keeps why (`reason: library message`). */
    function assertRefused(outcome: Outcome, why: RegExp): void {
      assert.equal(outcome.status, 401, JSON.stringify(outcome));
      const error = outcome.body?.error as { code: string; message: string };
      assert.equal(error.code, 'AUTH_INVALID');
      assert.equal(error.message, 'The credentials are not valid');
      const logged = warnings.at(-1);
      assert.match(`${logged?.reason}: ${logged?.err?.message ?? ''}`, why);
    }

    before(async () => {
      const port = await freePort();
      const origin = `http://localhost:${port}`;
      const logSink = new Writable({
        write(line, _encoding, done) {
          warnings.push(JSON.parse(String(line)));
          done();
        },
      });
      t = await testCustos('sqlite', {
        env: { CUSTOS_PUBLIC_ORIGIN: origin },
        logger: createLogger('warn', logSink),
      });
      app = await buildServer(t.custos.server());
      await app.listen({ host: '127.0.0.1', port });
      send = fetchSend(`http://127.0.0.1:${port}`);
      for (const name of ['alice', 'bob'] as const) staff[name] = await signInStaff(send, t.adminToken);

      browser = await launchChromium();
      page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.setDefaultTimeout(15_000);
      // The page and the browser library come from the test; every /v1 request goes to the real server.
      await page.route(`${origin}/`, (route) =>
        route.fulfill({ contentType: 'text/html; charset=utf-8', body: fixturePage }),
      );
      await page.route(`${origin}/simplewebauthn-browser.js`, (route) =>
        route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: browserBundle }),
      );
      cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      }));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (window as unknown as PasskeyPage).passkeysReady === true);
    });

    after(async () => {
      await browser?.close();
      await app?.close();
      await t?.cleanup();
    });

    it('enrols a discoverable passkey and signs in with it alone, no username given, to a full session', async () => {
      const credentialId = await registerOnFreshDevice(staff.alice.token, 'Laptop');
      assert.equal(saved.get('Laptop')?.isResidentCredential, true);
      const listed = await send('GET', `${STAFF}/passkeys`, undefined, bearer(staff.alice.token));
      assert.deepEqual(
        (listed.body as { passkeys: { credentialId: string; name: string }[] }).passkeys.map((p) => [
          p.credentialId,
          p.name,
        ]),
        [[credentialId, 'Laptop']],
      );

      await assertSignedInAs(await signIn(), staff.alice.accountId);
      const enrolled = await ledgerEntries(t!.custos, 'auth.enrolled');
      assert.ok(
        enrolled.some((e) => e.data.accountId === staff.alice.accountId && e.data.method === 'passkey'),
      );
      const signedIn = await ledgerEntries(t!.custos, 'auth.signed_in');
      assert.equal(signedIn.at(-1)?.data.method, 'passkey');
      assert.equal(signedIn.at(-1)?.data.accountId, staff.alice.accountId);
    });

    it('names the account whose passkey signed in', async () => {
      await registerOnFreshDevice(staff.bob.token, "Bob's key");
      await assertSignedInAs(await signIn(), staff.bob.accountId);
    });

    it('a staff passkey never yields a customer session', async () => {
      await holdOnly("Bob's key");
      const outcome = await signIn(PORTAL);
      assert.equal(outcome.status, 401, JSON.stringify(outcome));
      assert.equal((outcome.body?.error as { code: string }).code, 'AUTH_INVALID');
      const failed = await ledgerEntries(t!.custos, 'auth.sign_in_failed');
      assert.deepEqual(failed.at(-1)?.data, {
        realm: 'customer',
        reason: 'passkey_of_other_realm',
        accountId: staff.bob.accountId,
      });
    });

    it("a customer's passkey signs in to the portal, never to a staff session", async () => {
      const customer = await signInCustomer(send, staff.alice, { inbox: t! });
      await registerOnFreshDevice(customer.token, 'My phone', PORTAL);
      const atStaff = await signIn(STAFF);
      assert.equal(atStaff.status, 401, JSON.stringify(atStaff));
      const failed = await ledgerEntries(t!.custos, 'auth.sign_in_failed');
      assert.deepEqual(failed.at(-1)?.data, {
        realm: 'staff',
        reason: 'passkey_of_other_realm',
        accountId: customer.accountId,
      });
      const atPortal = await signIn(PORTAL);
      assert.equal(atPortal.status, 200, JSON.stringify(atPortal));
      const who = await send('GET', `${PORTAL}/session`, undefined, bearer(String(atPortal.body?.token)));
      assert.deepEqual(who.body, {
        accountId: customer.accountId,
        actor: { type: 'customer', id: customer.customerId },
        realm: 'customer',
      });
    });

    it('keeps several named passkeys per account, renames one and removes one', async () => {
      const phone = await registerOnFreshDevice(staff.alice.token, 'Phone');
      await assertSignedInAs(await signIn(), staff.alice.accountId);

      const list = async (token: string) =>
        (
          (await send('GET', `${STAFF}/passkeys`, undefined, bearer(token))).body as {
            passkeys: { credentialId: string; name: string }[];
          }
        ).passkeys;
      assert.deepEqual(
        (await list(staff.alice.token)).map((p) => p.name),
        ['Laptop', 'Phone'],
      );
      const renamed = await send(
        'PATCH',
        `${STAFF}/passkeys/${phone}`,
        { name: 'Work phone' },
        bearer(staff.alice.token),
      );
      assert.equal(renamed.status, 204);
      const laptop = (await list(staff.alice.token)).find((p) => p.name === 'Laptop')!.credentialId;
      const notBobs = await send('DELETE', `${STAFF}/passkeys/${laptop}`, undefined, bearer(staff.bob.token));
      assert.equal(notBobs.status, 404);
      const removed = await send(
        'DELETE',
        `${STAFF}/passkeys/${laptop}`,
        undefined,
        bearer(staff.alice.token),
      );
      assert.equal(removed.status, 204);
      assert.deepEqual(
        (await list(staff.alice.token)).map((p) => p.name),
        ['Work phone'],
      );
      const entries = await ledgerEntries(t!.custos, 'auth.passkey_removed');
      assert.deepEqual(entries.at(-1)?.data, { accountId: staff.alice.accountId, credentialId: laptop });

      await holdOnly('Laptop');
      assertRefused(await signIn(), /^unknown credential/);
    });

    it('refuses a copy of a passkey whose signature counter went backwards', async () => {
      await holdOnly('Phone');
      const stale = saved.get('Phone')!;
      assert.equal((await signIn()).status, 200);
      await holdOnly();
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: stale });
      assertRefused(await signIn(), /counter value \d+ was lower than expected/);
      await holdOnly('Phone');
    });

    it('refuses a bogus signature', async () => {
      await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
      try {
        // Chromium sends a malformed signature, which the library rejects by throwing rather than verified: false.
        assertRefused(await signIn(), /did not verify/);
      } finally {
        await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false });
      }
      await assertSignedInAs(await signIn(), staff.alice.accountId);
    });

    it('refuses a sign-in without user verification', async () => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
      try {
        // An honest browser will not even ask: the options say user verification is required.
        const honest = await signIn();
        assert.equal(honest.status, 0, JSON.stringify(honest));
        assert.match(honest.browserError ?? '', /^NotAllowedError/);
        // A client that drops the requirement gets an assertion without the UV flag, which the server refuses.
        assertRefused(await signIn(STAFF, { userVerification: 'discouraged' }), /User verification required/);
      } finally {
        await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
      }
    });
  },
);

const accounts = new Map<string, PasskeyAccount>([
  ['acc-alice', { id: 'acc-alice', login: 'alice@example.test', displayName: 'Alice' }],
]);

describe('passkey challenges', () => {
  const clock = manualClock();
  const reasons: string[] = [];
  const passkeys = createPasskeys({
    store: createMemoryPasskeyStore(),
    clock,
    logger: { warn: (fields: { reason: string }) => void reasons.push(fields.reason) } as never,
    config: { rpId: 'localhost', rpName: 'Custos test', origin: 'http://localhost', challengeTtlMs: 60_000 },
  });
  const response = { id: 'x', rawId: 'x', type: 'public-key', response: {} } as never;

  it('are refused when missing, expired or issued for the other ceremony', async () => {
    const { challenge, options } = await passkeys.authenticationOptions();
    assert.equal(options.challenge, challenge.value);
    assert.equal(options.allowCredentials, undefined);
    assert.equal(options.userVerification, 'required');
    const registration = (await passkeys.registrationOptions({ account: accounts.get('acc-alice')! }))
      .challenge;

    for (const [expectedChallenge, reason] of [
      [undefined, 'no challenge pending'],
      [registration, 'challenge was issued for register'],
    ] as const) {
      await assert.rejects(passkeys.verifyAuthentication({ response, expectedChallenge }), {
        code: 'AUTH_INVALID',
      });
      assert.equal(reasons.at(-1), reason);
    }
    clock.advance(60_000);
    await assert.rejects(passkeys.verifyAuthentication({ response, expectedChallenge: challenge }), {
      code: 'AUTH_INVALID',
    });
    assert.equal(reasons.at(-1), 'challenge expired');
    await assert.rejects(
      passkeys.verifyRegistration({ response, expectedChallenge: registration, name: 'Key' }),
      {
        code: 'BAD_REQUEST',
      },
    );
    assert.equal(reasons.at(-1), 'challenge expired');
  });

  it('need a printable name of 1 to 64 characters', async () => {
    for (const name of ['', '   ', 'a'.repeat(65), 'tab\there']) {
      assert.throws(() => passkeyName(name), { code: 'VALIDATION_FAILED' });
    }
    assert.equal(passkeyName('  Work laptop  '), 'Work laptop');
  });
});
