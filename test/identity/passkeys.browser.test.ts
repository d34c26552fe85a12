/**
 * Passkeys end to end: real Chromium with a CDP virtual authenticator (CTAP2, internal, resident keys, user
 * verification) against a tiny Fastify server whose JSON endpoints call the passkey service. Covers
 * registration, usernameless sign-in to the right account, several named passkeys, removal, and refusal of a
 * bogus signature and of a sign-in without user verification.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CDPSession, Page } from 'playwright-core';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import {
  createPasskeys,
  type PasskeyAccount,
  type PasskeyChallenge,
  type Passkeys,
  passkeyName,
} from '../../src/identity/passkeys.ts';
import { manualClock, systemClock } from '../../src/platform/clock.ts';
import { CustosError } from '../../src/platform/errors.ts';
import { chromiumMissing, launchChromium, type TestBrowser } from '../support/chromium.ts';
import { createMemoryPasskeyStore } from './fixtures/passkey-memory-store.ts';

const fixturePage = readFileSync(new URL('./fixtures/passkeys.html', import.meta.url), 'utf8');
const require = createRequire(import.meta.url);
const browserBundle = readFileSync(
  join(dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'),
  'utf8',
);

const accounts = new Map<string, PasskeyAccount>([
  ['acc-alice', { id: 'acc-alice', login: 'alice@example.test', displayName: 'Alice' }],
  ['acc-bob', { id: 'acc-bob', login: 'bob@example.test', displayName: 'Bob' }],
]);

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
  register(accountId: string, name: string): Promise<Outcome>;
  signIn(tamper: Record<string, unknown>): Promise<Outcome>;
  passkeysReady?: boolean;
}

/** The test's stand-in for a session: pending challenges by ceremony id, each taken out exactly once. */
function createChallengeJar() {
  const pending = new Map<string, PasskeyChallenge>();
  let next = 0;
  return {
    keep(challenge: PasskeyChallenge): string {
      const id = `ceremony-${++next}`;
      pending.set(id, challenge);
      return id;
    },
    take(id: unknown): PasskeyChallenge | undefined {
      if (typeof id !== 'string') return undefined;
      const challenge = pending.get(id);
      pending.delete(id);
      return challenge;
    },
  };
}

function passkeyRoutes(app: FastifyInstance, passkeys: () => Passkeys): void {
  const jar = createChallengeJar();
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(fixturePage));
  app.get('/simplewebauthn-browser.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(browserBundle),
  );
  app.post('/passkeys/register/options', async (request) => {
    const account = accounts.get((request.body as { accountId?: string }).accountId ?? '');
    if (!account) throw new CustosError('NOT_FOUND', 'No such account');
    const { options, challenge } = await passkeys().registrationOptions({ account });
    return { ceremony: jar.keep(challenge), options };
  });
  app.post('/passkeys/register/verify', async (request) => {
    const body = request.body as { ceremony?: string; name?: string; response?: never };
    const expectedChallenge = jar.take(body.ceremony);
    return passkeys().verifyRegistration({
      response: body.response!,
      expectedChallenge,
      name: body.name ?? '',
    });
  });
  app.post('/passkeys/sign-in/options', async () => {
    const { options, challenge } = await passkeys().authenticationOptions();
    return { ceremony: jar.keep(challenge), options };
  });
  app.post('/passkeys/sign-in/verify', async (request) => {
    const body = request.body as { ceremony?: string; response?: never };
    const expectedChallenge = jar.take(body.ceremony);
    return passkeys().verifyAuthentication({ response: body.response!, expectedChallenge });
  });
}

describe('passkeys in Chromium', { skip: chromiumMissing(), timeout: 60_000 }, () => {
  const store = createMemoryPasskeyStore();
  const warnings: { reason: string; err?: Error }[] = [];
  let passkeys: Passkeys | undefined;
  let server: FastifyInstance | undefined;
  let browser: TestBrowser | undefined;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  /** The authenticator's latest copy of each credential it has held, by passkey name. */
  const saved = new Map<string, VirtualCredential>();

  const register = (accountId: string, name: string): Promise<Outcome> =>
    page.evaluate(([a, n]) => (window as unknown as PasskeyPage).register(a, n), [accountId, name] as const);
  const signIn = (tamper: Record<string, unknown> = {}): Promise<Outcome> =>
    page.evaluate((t) => (window as unknown as PasskeyPage).signIn(t), tamper);

  /** The virtual authenticator's credentials, as CDP reports them (private key included). */
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

  /** Register, check the server accepted it, and remember the authenticator's copy under the passkey name. */
  async function registerOnFreshDevice(accountId: string, name: string): Promise<string> {
    await holdOnly();
    const outcome = await register(accountId, name);
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    const [credential] = await authenticatorCredentials();
    assert.ok(credential);
    saved.set(name, credential);
    return String(outcome.body?.credentialId);
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
    server = Fastify({ logger: false });
    installErrorHandling(server);
    passkeyRoutes(server, () => passkeys!);
    await server.listen({ host: 'localhost', port: 0 });
    const { port } = server.server.address() as AddressInfo;
    const origin = `http://localhost:${port}`;
    passkeys = createPasskeys({
      store,
      clock: systemClock,
      logger: { warn: (fields: { reason: string; err?: Error }) => void warnings.push(fields) } as never,
      config: { rpId: 'localhost', rpName: 'Custos test', origin },
    });

    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(15_000);
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
    await page.goto(origin);
    await page.waitForFunction(() => (window as unknown as PasskeyPage).passkeysReady === true);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a discoverable passkey and signs in with it, no username given', async () => {
    const credentialId = await registerOnFreshDevice('acc-alice', 'Laptop');
    const stored = store.rows.get(credentialId);
    assert.equal(stored?.accountId, 'acc-alice');
    assert.equal(stored?.name, 'Laptop');
    assert.equal(saved.get('Laptop')?.isResidentCredential, true);

    const outcome = await signIn();
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    assert.deepEqual(outcome.body, { accountId: 'acc-alice', credentialId });
    assert.ok(store.rows.get(credentialId)?.lastUsedAt);
  });

  it('names the account whose passkey signed in', async () => {
    const credentialId = await registerOnFreshDevice('acc-bob', "Bob's key");
    const outcome = await signIn();
    assert.deepEqual(outcome.body, { accountId: 'acc-bob', credentialId });
  });

  it('keeps several named passkeys per account and removes one', async () => {
    const phone = await registerOnFreshDevice('acc-alice', 'Phone');
    const outcome = await signIn();
    assert.deepEqual(outcome.body, { accountId: 'acc-alice', credentialId: phone });

    const names = (await passkeys!.list('acc-alice')).map((p) => p.name);
    assert.deepEqual(names, ['Laptop', 'Phone']);

    const laptop = (await passkeys!.list('acc-alice')).find((p) => p.name === 'Laptop')!.credentialId;
    await assert.rejects(passkeys!.remove('acc-bob', laptop), { code: 'NOT_FOUND' });
    await passkeys!.remove('acc-alice', laptop);
    assert.deepEqual(
      (await passkeys!.list('acc-alice')).map((p) => p.name),
      ['Phone'],
    );

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
    assert.equal((await signIn()).status, 200, 'the same passkey signs in once the signature is genuine');
  });

  it('refuses a sign-in without user verification', async () => {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      // An honest browser will not even ask: the options say user verification is required.
      const honest = await signIn();
      assert.equal(honest.status, 0, JSON.stringify(honest));
      assert.match(honest.browserError ?? '', /^NotAllowedError/);
      // A client that drops the requirement gets an assertion without the UV flag, which the server refuses.
      assertRefused(await signIn({ userVerification: 'discouraged' }), /User verification required/);
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }
  });
});

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
