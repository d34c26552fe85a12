/**
 * Sign-in throttling: exponential back-off per key. A key names what is being guessed at (one login) or who
 * is guessing (one source address); a sign-in checks both and waits for the slower.
 *
 * Policy: the first three failures on a key cost nothing; the fourth makes the key wait 1 s, and each
 * further failure doubles the wait (2 s, 4 s, …) up to 15 minutes. A success clears the login's key but not
 * the address's, so an attacker cannot reset their address by signing in to an account of their own. A key
 * untouched for a day past its last wait is forgotten.
 *
 * Targeted lockout: whoever knows a login can keep its key backing off with a few wrong passwords an hour.
 * So a login held back by its key still gets attempts from an address that has never failed, under a key
 * of their own (`cleanAddressThrottleKey`, same back-off): one attacker address cannot lock the owner out,
 * while an attacker with many addresses gets at most that second key's attempts more (see accounts.service).
 *
 * Invariants: the throttle decides the same way whether or not an account exists — key logins with
 * `accountThrottleKey(realm, login)` from what was typed (normalised: a phone however spelt, an email in any
 * case), never with an account id that only exists for real accounts. The store sees keys only through
 * `storeKey` (wired as an HMAC under a key of its own), so its table holds no login and no address.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { normaliseEmail, normalisePhone } from '../../crypto/normalise.ts';
import type { Clock } from '../../platform/clock.ts';

export interface ThrottleState {
  /** Consecutive failures since the key was last reset or forgotten. */
  failures: number;
  /** Milliseconds since the epoch before which the key may not try again. */
  nextAllowedAt: number;
}

/** The narrow persistence the throttle needs; an in-memory one is below, a SQL one belongs in a store file. */
export interface ThrottleStore {
  get(key: string): Promise<ThrottleState | undefined>;
  /** Sets failures and wait; leaves what `claimReport` recorded. */
  set(key: string, value: ThrottleState): Promise<void>;
  /** True once per `until` (one back-off) for a key that exists: the caller ledgers that burst. Atomic. */
  claimReport(key: string, until: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long after its last wait ends a key is forgotten. */
  forgetAfterMs: number;
}

export const defaultThrottlePolicy: Readonly<ThrottlePolicy> = Object.freeze({
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
});

export type ThrottleDecision =
  | { allowed: true }
  /** `retryAfterSeconds` is for the Retry-After header: whole seconds, rounded up. */
  | { allowed: false; retryAfterMs: number; retryAfterSeconds: number; waiting: string[] };

/**
 * How long a key must wait after its `failures`-th failure.
 *
 * @example
 * [3, 4, 5, 6].map((n) => backoffDelay(n)); // [0, 1000, 2000, 4000]
 */
export function backoffDelay(failures: number, policy: ThrottlePolicy = defaultThrottlePolicy): number {
  const beyond = failures - policy.freeFailures;
  if (beyond <= 0) return 0;
  // 2 ** 40 is already past any sane cap; stopping there keeps the arithmetic finite.
  return Math.min(policy.baseDelayMs * 2 ** Math.min(beyond - 1, 40), policy.maxDelayMs);
}

/**
 * The throttle. Check before verifying a password, record the outcome after; refuse with RATE_LIMITED and
 * a Retry-After header while `check` says so, with the same body whether or not the account exists.
 *
 * @example
 * const keys = [accountThrottleKey('staff', login), addressThrottleKey(request.ip)];
 * const decision = await throttle.check(keys);
 * if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds); // the error handler sets Retry-After
 * if (await verifyPassword(hash, password)) await throttle.recordSuccess(keys[0]);
 * else await throttle.recordFailure(keys);
 */
export function createThrottle(deps: {
  store: ThrottleStore;
  clock: Clock;
  policy?: Partial<ThrottlePolicy>;
  /** What the store is given for a key: wired as a keyed HMAC. Default: the key as it is (tests). */
  storeKey?: (key: string) => string;
}) {
  const { clock } = deps;
  const storeKey = deps.storeKey ?? ((key: string) => key);
  const store: ThrottleStore = {
    get: (key) => deps.store.get(storeKey(key)),
    set: (key, value) => deps.store.set(storeKey(key), value),
    claimReport: (key, until) => deps.store.claimReport(storeKey(key), until),
    delete: (key) => deps.store.delete(storeKey(key)),
  };
  const policy: ThrottlePolicy = { ...defaultThrottlePolicy, ...deps.policy };
  // Read-modify-write per key, one at a time within this process, so parallel failures are all counted.
  const pending = new Map<string, Promise<void>>();

  function serialised(key: string, work: () => Promise<void>): Promise<void> {
    const run = (pending.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    pending.set(key, tail);
    void tail.then(() => {
      if (pending.get(key) === tail) pending.delete(key);
    });
    return run;
  }

  /** The key's state, or undefined if it has none or it has been quiet long enough to forget. */
  async function current(key: string, now: number): Promise<ThrottleState | undefined> {
    const state = await store.get(key);
    if (state && now >= state.nextAllowedAt + policy.forgetAfterMs) {
      await store.delete(key);
      return undefined;
    }
    return state;
  }

  return {
    /** Whether an attempt may go ahead now; if not, how long until every key allows it. */
    async check(keys: readonly string[]): Promise<ThrottleDecision> {
      const now = clock.now();
      const unique = [...new Set(keys)];
      const waits = (await Promise.all(unique.map((key) => current(key, now)))).map((state) =>
        state ? state.nextAllowedAt - now : 0,
      );
      const waitMs = Math.max(0, ...waits);
      if (waitMs <= 0) return { allowed: true };
      return {
        allowed: false,
        retryAfterMs: waitMs,
        retryAfterSeconds: Math.ceil(waitMs / 1000),
        waiting: unique.filter((_, i) => (waits[i] as number) > 0),
      };
    },

    /** True when the key has no failures counted (never failed, succeeded since, or forgotten). */
    async clean(key: string): Promise<boolean> {
      return ((await current(key, clock.now()))?.failures ?? 0) === 0;
    },

    /**
     * For a key that is waiting: true the first time it is asked during this wait (one burst of refused
     * attempts, however many), false after — so a refusal is ledgered once per burst, not per request.
     */
    async claimBurst(key: string): Promise<boolean> {
      const now = clock.now();
      const state = await current(key, now);
      if (!state || state.nextAllowedAt <= now) return false;
      return store.claimReport(key, state.nextAllowedAt);
    },

    /** Count a failed attempt against every key (each key once, however often it is listed). */
    async recordFailure(keys: readonly string[]): Promise<void> {
      await Promise.all(
        [...new Set(keys)].map((key) =>
          serialised(key, async () => {
            const now = clock.now();
            const failures = ((await current(key, now))?.failures ?? 0) + 1;
            await store.set(key, { failures, nextAllowedAt: now + backoffDelay(failures, policy) });
          }),
        ),
      );
    },

    /** Clear the login's key after a successful sign-in. Never pass the address key. */
    async recordSuccess(accountKey: string): Promise<void> {
      await serialised(accountKey, () => store.delete(accountKey));
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

/**
 * A store in process memory: for tests and single-process deployments. It holds at most `maxEntries` keys,
 * evicting the least recently written, so a flood of addresses cannot exhaust memory.
 */
export function createMemoryThrottleStore(options: { maxEntries?: number } = {}): ThrottleStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, ThrottleState>();
  const reported = new Map<string, number>();
  return {
    async get(key) {
      const state = entries.get(key);
      return state && { ...state };
    },
    async set(key, value) {
      entries.delete(key);
      entries.set(key, { ...value });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
        reported.delete(oldest);
      }
    },
    async claimReport(key, until) {
      if (!entries.has(key) || reported.get(key) === until) return false;
      reported.set(key, until);
      return true;
    },
    async delete(key) {
      entries.delete(key);
      reported.delete(key);
    },
  };
}

/** What was typed as a login, in the form its key is made from: a contact normalised, anything else folded. */
function loginForm(login: string): string {
  return normaliseEmail(login) ?? normalisePhone(login) ?? login.normalize('NFKC').trim().toLowerCase();
}

function loginDigest(realm: string, login: string): string {
  return createHash('sha256')
    .update(`${realm}\0${loginForm(login)}`, 'utf8')
    .digest('base64url')
    .slice(0, 32);
}

/**
 * The key for guesses at one login, from what was typed, normalised (`+86 137 2468 1357` and
 * `137-2468-1357` are one key, as are the cases of an email), so unknown logins are throttled exactly like
 * real ones; hashed even in memory, and keyed before it is stored.
 */
export function accountThrottleKey(realm: string, login: string): string {
  return `login:${realm}:${loginDigest(realm, login)}`;
}

/**
 * The key for attempts at a login held back by `accountThrottleKey` that come from an address with no
 * failures: a back-off of their own, so the owner is not locked out by someone else's guesses, and guesses
 * from ever-new addresses are still bounded.
 */
export function cleanAddressThrottleKey(realm: string, login: string): string {
  return `clean-address:${realm}:${loginDigest(realm, login)}`;
}

/**
 * The key for guesses from one source: an IPv4 address, or an IPv6 /64 (one subscriber usually holds a
 * whole /64, and would otherwise get 2^64 fresh keys).
 */
export function addressThrottleKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return `address:${mapped}`;
  if (isIPv4(address)) return `address:${address}`;
  if (isIPv6(address)) return `address:${ipv6Prefix64(address)}::/64`;
  return `address:${address}`;
}

/** The first four groups of an IPv6 address, written without leading zeros. */
function ipv6Prefix64(address: string): string {
  const bare = address.split('%')[0] ?? address;
  const [head = '', tail] = bare.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const dottedTail = (right.length > 0 ? right : left).at(-1)?.includes('.') ? 1 : 0; // IPv4 = two groups
  const missing = 8 - left.length - right.length - dottedTail;
  const full = [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right];
  return full
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':');
}
