/** Sign-in throttle on a manual clock: free failures, doubling waits, the cap, resets, keys, the store. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import {
  accountThrottleKey,
  addressThrottleKey,
  cleanAddressThrottleKey,
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
      waiting: [account],
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
    const waits = async (key: string) => {
      const decision = await throttle.check([key]);
      return decision.allowed ? 0 : decision.retryAfterMs;
    };
    assert.equal(await waits(nobody), await waits(account));
    assert.ok((await waits(account)) > 0);
  });
});

describe('throttle keys', () => {
  test('login keys fold case, separate realms and hold no personal data', () => {
    assert.equal(accountThrottleKey('staff', ' Ada@Example.COM '), account);
    assert.notEqual(accountThrottleKey('customer', 'ada@example.com'), account);
    assert.ok(!account.includes('ada') && !account.includes('example'));
  });

  test('a login is keyed as normalised: a phone however spelt, an email in any case, is one back-off', async () => {
    const spellings = [
      '+86 137 2468 1357',
      '137-2468-1357',
      '0086 13724681357',
      '(137) 2468-1357',
      '13724681357',
    ];
    const keys = new Set(spellings.map((p) => accountThrottleKey('customer', p)));
    assert.equal(keys.size, 1);
    assert.equal(
      accountThrottleKey('customer', 'Li.Na@Example.COM'),
      accountThrottleKey('customer', 'li.na@example.com'),
    );
    // Guesses spread over the spellings are counted together.
    const { throttle } = setup();
    for (const spelling of spellings.slice(0, 4))
      await throttle.recordFailure([accountThrottleKey('customer', spelling)]);
    assert.equal(
      (await throttle.check([accountThrottleKey('customer', spellings[4] as string)])).allowed,
      false,
    );
    assert.notEqual(
      cleanAddressThrottleKey('customer', '137-2468-1357'),
      accountThrottleKey('customer', '137-2468-1357'),
    );
  });

  test('the store sees keys only through storeKey (keyed): no login or address reaches it', async () => {
    const clock = manualClock();
    const store = createMemoryThrottleStore();
    const seen: string[] = [];
    const throttle = createThrottle({
      store: {
        ...store,
        set: (key, value) => {
          seen.push(key);
          return store.set(key, value);
        },
      },
      clock,
      storeKey: (key) => createHmac('sha256', 'a test key').update(key).digest('base64url'),
    });
    await throttle.recordFailure([account, address]);
    assert.equal(seen.length, 2);
    for (const key of seen) {
      assert.ok(!key.includes('login') && !key.includes('address') && !key.includes('203.0.113'), key);
      assert.ok(!key.includes(account.split(':')[2] as string), 'not even the unkeyed hash');
    }
    assert.equal(await store.get(account), undefined);
    assert.equal((await throttle.check([account])).allowed, true, 'one failure is free');
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

describe('bursts and clean addresses', () => {
  test('a burst is claimed once per back-off; the next failure starts a new one', async () => {
    const { clock, throttle } = setup();
    assert.equal(await throttle.claimBurst(account), false, 'no state, no burst');
    for (let n = 0; n < 4; n += 1) await throttle.recordFailure([account]); // 1 s
    assert.deepEqual(
      await Promise.all([
        throttle.claimBurst(account),
        throttle.claimBurst(account),
        throttle.claimBurst(account),
      ]),
      [true, false, false],
    );
    clock.advance(1_000);
    assert.equal(await throttle.claimBurst(account), false, 'not waiting any more');
    await throttle.recordFailure([account]); // 2 s
    assert.equal(await throttle.claimBurst(account), true);
    assert.equal(await throttle.claimBurst(account), false);
  });

  test('an address is clean until it fails; a success elsewhere does not clean it', async () => {
    const { throttle } = setup();
    assert.equal(await throttle.clean(address), true);
    await throttle.recordFailure([address]);
    assert.equal(await throttle.clean(address), false);
    await throttle.recordSuccess(account);
    assert.equal(await throttle.clean(address), false);
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
