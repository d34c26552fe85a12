/** Sign-in throttle on a manual clock: free failures, doubling waits, the cap, resets, keys, the store. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  accountThrottleKey,
  addressThrottleKey,
  backoffDelay,
  createMemoryThrottleStore,
  createThrottle,
  type ThrottleDecision,
} from '../../../src/identity/sign-in/throttle.ts';
import { manualClock } from '../../../src/platform/clock.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function setup() {
  const clock = manualClock();
  const store = createMemoryThrottleStore();
  return { clock, store, throttle: createThrottle({ store, clock }) };
}

const waitOf = (decision: ThrottleDecision) => (decision.allowed ? 0 : decision.retryAfterMs);

const account = accountThrottleKey('staff', 'ada@example.com');
const otherAccount = accountThrottleKey('staff', 'grace@example.com');
const address = addressThrottleKey('203.0.113.7');

describe('throttle', () => {
  test('the first three failures are free; then 1 s, 2 s, 4 s …', async () => {
    const { clock, throttle } = setup();
    for (let n = 1; n <= 3; n += 1) {
      await throttle.recordFailure([account]);
      assert.deepEqual(await throttle.check([account]), { allowed: true }, `after failure ${n}`);
    }
    for (const expected of [1, 2, 4, 8].map((s) => s * SECOND)) {
      await throttle.recordFailure([account]);
      assert.equal(waitOf(await throttle.check([account])), expected);
      clock.advance(expected - 1);
      assert.equal(waitOf(await throttle.check([account])), 1);
      clock.advance(1);
      assert.deepEqual(await throttle.check([account]), { allowed: true });
    }
  });

  test('the wait is capped at 15 minutes', async () => {
    const { clock, throttle } = setup();
    for (let n = 1; n <= 20; n += 1) {
      await throttle.recordFailure([account]);
      const expected = n <= 3 ? 0 : Math.min(SECOND * 2 ** (n - 4), 15 * MINUTE);
      assert.equal(waitOf(await throttle.check([account])), expected, `after failure ${n}`);
      clock.advance(expected);
    }
    assert.deepEqual(
      [3, 4, 5, 13, 14, 100, 10_000].map((n) => backoffDelay(n)),
      [0, 1 * SECOND, 2 * SECOND, 512 * SECOND, 15 * MINUTE, 15 * MINUTE, 15 * MINUTE],
    );
  });

  test('refusal carries Retry-After in whole seconds, rounded up', async () => {
    const { clock, throttle } = setup();
    for (let n = 0; n < 5; n += 1) await throttle.recordFailure([account]); // 2 s
    clock.advance(500);
    assert.deepEqual(await throttle.check([account]), {
      allowed: false,
      retryAfterMs: 1_500,
      retryAfterSeconds: 2,
    });
  });

  test('a success resets the account key but not the address key', async () => {
    const { throttle } = setup();
    for (let n = 0; n < 6; n += 1) await throttle.recordFailure([account, address]);
    await throttle.recordSuccess(account);
    assert.deepEqual(await throttle.check([account]), { allowed: true });
    assert.equal(waitOf(await throttle.check([address])), 4 * SECOND);
    assert.equal(waitOf(await throttle.check([account, address])), 4 * SECOND);
    // The account starts again from nothing: three free failures.
    for (let n = 0; n < 3; n += 1) await throttle.recordFailure([account]);
    assert.deepEqual(await throttle.check([account]), { allowed: true });
  });

  test('keys are independent, and a check waits for the slowest of them', async () => {
    const { throttle } = setup();
    for (let n = 0; n < 4; n += 1) await throttle.recordFailure([account]); // 1 s
    for (let n = 0; n < 6; n += 1) await throttle.recordFailure([address]); // 4 s
    assert.equal(waitOf(await throttle.check([account])), 1 * SECOND);
    assert.equal(waitOf(await throttle.check([address])), 4 * SECOND);
    assert.equal(waitOf(await throttle.check([account, address])), 4 * SECOND);
    assert.equal(waitOf(await throttle.check([otherAccount, addressThrottleKey('198.51.100.1')])), 0);
    assert.equal(waitOf(await throttle.check([otherAccount, address])), 4 * SECOND);
    assert.deepEqual(await throttle.check([]), { allowed: true });
  });

  test('a key listed twice counts once; parallel failures are all counted', async () => {
    const { throttle } = setup();
    await throttle.recordFailure([account, account, account, account]);
    assert.deepEqual(await throttle.check([account]), { allowed: true });
    await Promise.all(Array.from({ length: 5 }, () => throttle.recordFailure([address])));
    assert.equal(waitOf(await throttle.check([address])), 2 * SECOND);
  });

  test('a key quiet for a day after its last wait is forgotten', async () => {
    const { clock, store, throttle } = setup();
    for (let n = 0; n < 14; n += 1) await throttle.recordFailure([account]); // 15 min
    clock.advance(15 * MINUTE + 24 * 60 * MINUTE - 1);
    await throttle.recordFailure([account]);
    assert.equal(waitOf(await throttle.check([account])), 15 * MINUTE, 'not yet forgotten');
    clock.advance(15 * MINUTE + 24 * 60 * MINUTE);
    assert.deepEqual(await throttle.check([account]), { allowed: true });
    assert.equal(await store.get(account), undefined);
    await throttle.recordFailure([account]);
    assert.equal((await store.get(account))?.failures, 1);
  });

  test('an unknown login is throttled exactly like a real one', async () => {
    const { throttle } = setup();
    const nobody = accountThrottleKey('staff', 'nobody-here@example.com');
    for (let n = 0; n < 4; n += 1) {
      await throttle.recordFailure([account]);
      await throttle.recordFailure([nobody]);
    }
    assert.deepEqual(await throttle.check([nobody]), await throttle.check([account]));
  });
});

describe('throttle keys', () => {
  test('login keys fold case, separate realms and hold no personal data', () => {
    assert.equal(accountThrottleKey('staff', ' Ada@Example.COM '), account);
    assert.notEqual(accountThrottleKey('customer', 'ada@example.com'), account);
    assert.ok(!account.includes('ada') && !account.includes('example'));
  });

  test('address keys: IPv4, IPv4-mapped IPv6, and IPv6 by /64', () => {
    assert.equal(addressThrottleKey('::ffff:203.0.113.7'), address);
    const v6 = addressThrottleKey('2001:db8:85a3:42::8a2e:370:7334');
    assert.equal(v6, 'address:2001:db8:85a3:42::/64');
    assert.equal(addressThrottleKey('2001:0db8:85a3:0042:ffff:ffff:ffff:1'), v6);
    assert.equal(addressThrottleKey('1:2::3:4:5:1.2.3.4'), 'address:1:2:0:3::/64');
    assert.notEqual(addressThrottleKey('2001:db8:85a3:43::1'), v6);
  });
});

describe('in-memory throttle store', () => {
  test('copies values and evicts the least recently written beyond its bound', async () => {
    const store = createMemoryThrottleStore({ maxEntries: 2 });
    const value = { failures: 1, nextAllowedAt: 0 };
    await store.set('a', value);
    value.failures = 99;
    assert.equal((await store.get('a'))?.failures, 1);
    await store.set('b', value);
    await store.set('a', { failures: 2, nextAllowedAt: 0 });
    await store.set('c', value);
    assert.equal(await store.get('b'), undefined);
    assert.equal((await store.get('a'))?.failures, 2);
    await store.delete('a');
    assert.equal(await store.get('a'), undefined);
  });
});
