/**
 * Pre-authentication challenges: state a two-request ceremony keeps server-side before anyone is signed in
 * (a passkey challenge, an OpenID Connect pending sign-in). The client gets a random 256-bit handle — in a
 * body field and/or an HttpOnly cookie — and the server keeps only its hash.
 *
 * Invariant: a record is taken at most once, only for the purpose it was issued for, and only before it
 * expires; anything else (unknown, reused, expired, wrong purpose, malformed handle) is the same `undefined`.
 */
import { secureRandom } from '../../crypto/random.ts';
import type { Clock } from '../../platform/clock.ts';
import type { AuthChallengeStore } from './auth-challenges.store.ts';

export type ChallengePurpose = 'passkey.register' | 'passkey.sign_in' | 'oidc';

const HANDLE_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Expired records are swept at most this often, on issue. */
const SWEEP_EVERY_MS = 60_000;

/**
 * @example
 * const { handle } = await challenges.issue('oidc', pending, 10 * 60_000); // handle → HttpOnly cookie
 * const pending = await challenges.take<PendingSignIn>(cookieValue, 'oidc'); // undefined: refuse
 */
export function createAuthChallenges(deps: { store: AuthChallengeStore; clock: Clock }) {
  const { store, clock } = deps;
  let lastSweep = 0;

  return {
    async issue(
      purpose: ChallengePurpose,
      data: unknown,
      ttlMs: number,
    ): Promise<{ handle: string; expiresAt: number }> {
      const now = clock.now();
      if (now - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now;
        await store.deleteExpired(now);
      }
      const handle = secureRandom(32).toString('base64url');
      const expiresAt = now + ttlMs;
      await store.insert(handle, { purpose, data: JSON.stringify(data), createdAt: now, expiresAt });
      return { handle, expiresAt };
    },

    /** The record's data, used up; undefined when there is nothing usable under this handle. */
    async take<T>(handle: unknown, purpose: ChallengePurpose): Promise<T | undefined> {
      if (typeof handle !== 'string' || !HANDLE_SHAPE.test(handle)) return undefined;
      const data = await store.take(handle, purpose, clock.now());
      return data === undefined ? undefined : (JSON.parse(data) as T);
    },
  };
}

export type AuthChallenges = ReturnType<typeof createAuthChallenges>;
