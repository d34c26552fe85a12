/** Pre-authentication challenge records on both dialects: single use, purpose-bound, expiring, race-safe. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuthChallenges } from '../../../src/identity/sign-in/auth-challenges.ts';
import { createAuthChallengeStore } from '../../../src/identity/sign-in/auth-challenges.store.ts';
import { tokenHash } from '../../../src/crypto/token-hash.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`auth challenge records on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 1, 9));
    let store: ReturnType<typeof createAuthChallengeStore>;
    let t: TestCustos;

    before(async () => {
      t = await testCustos(dialect, { clock });
      store = createAuthChallengeStore(t.custos.database.db);
    });
    after(async () => t?.cleanup());

    test('a record is taken once, for its purpose, before it expires', async () => {
      const now = clock.now();
      await store.insert('handle-1', {
        purpose: 'oidc',
        data: '{"a":1}',
        createdAt: now,
        expiresAt: now + 1000,
      });
      assert.equal(await store.take('handle-1', 'passkey.sign_in', now), undefined, 'wrong purpose');
      assert.equal(await store.take('handle-2', 'oidc', now), undefined, 'unknown handle');
      assert.equal(await store.take('handle-1', 'oidc', now), '{"a":1}');
      assert.equal(await store.take('handle-1', 'oidc', now), undefined, 'second take');

      await store.insert('handle-3', {
        purpose: 'oidc',
        data: '{}',
        createdAt: now,
        expiresAt: now + 1000,
      });
      assert.equal(await store.take('handle-3', 'oidc', now + 1000), undefined, 'expired');
    });

    test('only the hash of the handle is stored', async () => {
      const now = clock.now();
      await store.insert('handle-stored', {
        purpose: 'oidc',
        data: '{}',
        createdAt: now,
        expiresAt: now + 1000,
      });
      const rows = await t.custos.database.db.selectFrom('auth_challenges').selectAll().execute();
      assert.ok(rows.length > 0);
      for (const row of rows) assert.ok(!Buffer.from(row.id).toString('utf8').includes('handle-'));
      const hashes = rows.map((r) => Buffer.from(r.id).toString('hex'));
      assert.ok(hashes.includes(tokenHash('handle-stored').toString('hex')));
    });

    test('parallel takes of one handle: exactly one wins', async () => {
      const now = clock.now();
      await store.insert('race', { purpose: 'oidc', data: '"x"', createdAt: now, expiresAt: now + 1000 });
      const results = await Promise.all(Array.from({ length: 8 }, () => store.take('race', 'oidc', now)));
      assert.equal(results.filter((r) => r === '"x"').length, 1);
    });

    test('handles are data, never SQL', async () => {
      const now = clock.now();
      const evil = "x' OR '1'='1";
      await store.insert('victim', { purpose: 'oidc', data: '"v"', createdAt: now, expiresAt: now + 1000 });
      assert.equal(await store.take(evil, 'oidc', now), undefined);
      assert.equal(await store.take('victim', "oidc' OR '1'='1", now), undefined);
      assert.equal(await store.take('victim', 'oidc', now), '"v"');
    });

    test('expired records are swept', async () => {
      const now = clock.now();
      await store.insert('old', { purpose: 'oidc', data: '{}', createdAt: now, expiresAt: now + 10 });
      assert.ok((await store.deleteExpired(now + 10)) >= 1);
      assert.equal(await store.take('old', 'oidc', now), undefined);
    });

    test('the service: random handles, JSON round trip, malformed handles refused', async () => {
      const challenges = createAuthChallenges({ store, clock });
      const { handle, expiresAt } = await challenges.issue('passkey.sign_in', { value: 'c', n: 2 }, 60_000);
      assert.match(handle, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(expiresAt, clock.now() + 60_000);
      assert.equal(await challenges.take(handle, 'oidc'), undefined);
      assert.deepEqual(await challenges.take(handle, 'passkey.sign_in'), { value: 'c', n: 2 });
      assert.equal(await challenges.take(handle, 'passkey.sign_in'), undefined);
      for (const bad of [undefined, 42, '', 'short', `${handle}x`]) {
        assert.equal(await challenges.take(bad, 'passkey.sign_in'), undefined);
      }
      const late = await challenges.issue('oidc', {}, 1000);
      clock.advance(1000);
      assert.equal(await challenges.take(late.handle, 'oidc'), undefined);
    });
  });
}
