/**
 * Issue 13, finding 6, over HTTP on both dialects: the per-login back-off keyed on how a phone was spelled;
 * 429s without Retry-After; a staff member kept locked out by anyone who knows their email; refused sign-ins
 * past the throttle invisible to the watcher. Now: one key per normalised login, stored under HMAC; Retry-After
 * on every 429; an address with no failures is not held back by the login's key (a back-off of its own);
 * one `auth.sign_in_throttled` entry per burst.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/http/server.ts';
import { accountThrottleKey } from '../../../src/identity/sign-in/throttle.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, signInStaff } from '../../support/staff-session.ts';

const STAFF_PASSWORD = 'a long and unusual passphrase';

for (const { dialect, skip } of await dialects()) {
  describe(`sign-in throttle over HTTP on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 2, 12));
    let t: TestCustos;
    let app: FastifyInstance;
    let base: string;
    let staffLogin: string;
    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      const staff = await signInStaff(fetchSend(base), t.adminToken, { now: clock.now });
      staffLogin = (
        await t.custos.database.db
          .selectFrom('accounts')
          .select('login')
          .where('id', '=', staff.accountId)
          .executeTakeFirstOrThrow()
      ).login;
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    /** A sign-in from `address` (as the server sees the connection). */
    const signIn = (realm: 'auth' | 'portal', login: string, password: string, address: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/${realm}/sign-in`,
        payload: { login, password },
        remoteAddress: address,
      });
    const code = (res: { json(): unknown }) => (res.json() as { error?: { code: string } }).error?.code;

    test('a phone spelt differently is the same login: guesses across spellings share one back-off', async () => {
      const spellings = ['+86 137 2468 1357', '137-2468-1357', '0086 13724681357', '(137) 2468 1357'];
      // Four wrong guesses, each spelling from its own address: the login's key now waits.
      for (const [i, spelling] of spellings.entries())
        assert.equal(
          (await signIn('portal', spelling, 'a wrong guess!!', `198.51.100.${i + 1}`)).statusCode,
          401,
        );
      // A fifth spelling from an address that has failed before (not clean): held back by the login's key.
      const fifth = await signIn('portal', '+8613724681357', 'a wrong guess!!', '198.51.100.1');
      assert.equal(fifth.statusCode, 429, fifth.body);
      assert.equal(code(fifth), 'RATE_LIMITED');
      assert.equal(fifth.headers['retry-after'], '1');
    });

    test('every 429 carries Retry-After, over a real connection too', async () => {
      const send = async (login: string, password: string) =>
        fetch(`${base}/v1/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login, password }),
        });
      // From 127.0.0.1: the address key backs off after its four free failures (signInStaff made none).
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = 0; i < 6; i++) {
        const res = await send(`nobody.${i}@custos.example`, 'not a password at all');
        statuses.push(res.status);
        if (res.status === 429) refused = res;
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
      assert.ok(refused);
      assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'RATE_LIMITED');
      assert.equal(
        body.error.message,
        `Too many attempts: retry in ${refused.headers.get('retry-after')} s`,
        'the header and the message agree',
      );
      clock.advance(60_000);
    });

    test('refused attempts are ledgered once per burst, not per request', async () => {
      const login = 'sprayed.login@custos.example';
      const before = (await ledgerEntries(t.custos, 'auth.sign_in_throttled')).length;
      const failedBefore = (await ledgerEntries(t.custos, 'auth.sign_in_failed')).length;
      for (let i = 0; i < 4; i++) await signIn('auth', login, 'guess guess guess', '203.0.113.50');
      // Ten refused requests in the back-off (from the same, now dirty, address): one entry.
      for (let i = 0; i < 10; i++)
        assert.equal((await signIn('auth', login, 'guess guess guess', '203.0.113.50')).statusCode, 429);
      let entries = (await ledgerEntries(t.custos, 'auth.sign_in_throttled')).slice(before);
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]?.data, { realm: 'staff', on: ['login', 'address'], retryAfterSeconds: 1 });
      assert.equal(entries[0]?.actor, 'anonymous');
      assert.equal((await ledgerEntries(t.custos, 'auth.sign_in_failed')).length, failedBefore + 4);
      // The back-off passes, one more guess fails: a new back-off, and its refusals are a new burst.
      clock.advance(1_000);
      assert.equal((await signIn('auth', login, 'guess guess guess', '203.0.113.50')).statusCode, 401);
      for (let i = 0; i < 5; i++)
        assert.equal((await signIn('auth', login, 'guess guess guess', '203.0.113.50')).statusCode, 429);
      entries = (await ledgerEntries(t.custos, 'auth.sign_in_throttled')).slice(before);
      assert.equal(entries.length, 2);
      assert.equal(entries[1]?.data.retryAfterSeconds, 2);
      clock.advance(60_000);
    });

    test('targeted lockout: the owner from an address with no failures still signs in; that path has its own back-off', async () => {
      // Someone who knows the staff email keeps its key backing off from their address.
      for (let i = 0; i < 6; i++) await signIn('auth', staffLogin, 'i know your email', '203.0.113.66');
      const fromAttacker = await signIn('auth', staffLogin, STAFF_PASSWORD, '203.0.113.66');
      assert.equal(fromAttacker.statusCode, 429, 'even the right password waits at the guessing address');
      assert.ok(fromAttacker.headers['retry-after']);
      const owner = await signIn('auth', staffLogin, STAFF_PASSWORD, '192.0.2.10');
      assert.equal(owner.statusCode, 200, owner.body);

      // The success cleared the login's key; another address locks it again. Then guesses from ever-new
      // addresses: four on the clean-address key, then it waits too.
      for (let i = 0; i < 4; i++)
        assert.equal((await signIn('auth', staffLogin, 'i know your email', '203.0.113.77')).statusCode, 401);
      const fresh: number[] = [];
      for (let i = 0; i < 6; i++)
        fresh.push((await signIn('auth', staffLogin, 'another guess!!', `100.64.0.${i + 1}`)).statusCode);
      assert.deepEqual(fresh, [401, 401, 401, 401, 429, 429]);
      const bursts = (await ledgerEntries(t.custos, 'auth.sign_in_throttled')).at(-1);
      assert.deepEqual(bursts?.data.on, ['clean-address']);
      // The documented limit: with the clean-address key waiting too, the owner waits as well …
      assert.equal((await signIn('auth', staffLogin, STAFF_PASSWORD, '192.0.2.11')).statusCode, 429);
      // … until it passes, and a success clears both keys.
      clock.advance(2_000);
      assert.equal((await signIn('auth', staffLogin, STAFF_PASSWORD, '192.0.2.11')).statusCode, 200);
      assert.equal((await signIn('auth', staffLogin, STAFF_PASSWORD, '203.0.113.67')).statusCode, 200);
      clock.advance(60_000);
    });

    test('the throttle table holds no login and no address, not even an unkeyed hash of one', async () => {
      const rows = await t.custos.database.db.selectFrom('auth_throttle').selectAll().execute();
      assert.ok(rows.length >= 10, `${rows.length} rows`);
      const forbidden = [
        '13724681357',
        'custos.example',
        'sprayed',
        '203.0.113',
        '198.51.100',
        '100.64',
        'login:',
        'address:',
        // The in-memory form of the keys (an unkeyed SHA-256 of the normalised login).
        accountThrottleKey('customer', '13724681357').split(':')[2] as string,
        accountThrottleKey('staff', staffLogin).split(':')[2] as string,
      ];
      for (const row of rows) {
        assert.match(row.key, /^[A-Za-z0-9_-]{22}$/, 'a keyed 128-bit digest');
        for (const needle of forbidden) assert.ok(!row.key.includes(needle), `${row.key} holds ${needle}`);
      }
    });
  });
}
