/**
 * Sessions: random opaque tokens (256 bits), stored only as SHA-256; idle timeout and absolute lifetime
 * per realm; a new token at sign-in and at every privilege change (second factor done), so a token seen
 * before the change is worth nothing after it; step-up freshness for sensitive acts; a CSRF token for
 * cookie-authenticated state changes.
 *
 * Invariant: `authenticate` is the only way from a token to an actor, and it checks revocation, both
 * timeouts and the account's status on every call — a suspension takes effect on the very next request.
 * The session row may come from memory (`cache`, emptied by any write to sessions or accounts, see
 * platform/cache/): the only thing it may lag is another node's last-seen touch, so a cached row older than
 * the touch interval is read again before anything is decided on its idle time.
 */
import { tokenHash } from '../../crypto/token-hash.ts';
import { timingSafeEqual } from 'node:crypto';
import { secureRandom } from '../../crypto/random.ts';
import type { Actor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { readThrough, type VersionedCache } from '../../platform/cache/versioned-cache.ts';
import type { SessionStore } from './sessions.store.ts';
import type { Realm, SessionWithAccount, StoredSession } from './sessions.types.ts';

export type { Realm };

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  /** How fresh a second-factor assertion must be for a sensitive act. */
  stepUpWindowMs: number;
}

const MINUTE = 60_000;

/** Staff: 15 minutes idle, one 8-hour shift at most, step-up valid 5 minutes. */
export const defaultPolicies: Record<Realm, SessionPolicy> = {
  staff: { idleMs: 15 * MINUTE, absoluteMs: 8 * 60 * MINUTE, stepUpWindowMs: 5 * MINUTE },
  customer: { idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE, stepUpWindowMs: 5 * MINUTE },
};

const TOKEN_PREFIX = 'css_';
const TOKEN_SHAPE = /^css_[A-Za-z0-9_-]{43}$/;
/** Write last-seen at most this often: idle timeouts are minutes, so seconds of slack cost nothing. */
const TOUCH_EVERY_MS = 15_000;

export interface Session {
  id: string;
  accountId: string;
  realm: Realm;
  /** Who acts through this session; the subject is the staff member or customer. */
  actor: Actor;
  secondFactorAt: number | null;
  stepUpAt: number | null;
  tokenHash: Buffer;
  csrfHash: Buffer;
}

export interface IssuedSession {
  /** Shown to the client once (cookie or bearer); only its hash is stored. */
  token: string;
  csrfToken: string;
  session: Session;
  expiresAt: number;
}

function toSession(stored: StoredSession, subjectId: string): Session {
  const realm = stored.realm;
  return {
    id: stored.id,
    accountId: stored.accountId,
    realm,
    actor: { type: realm === 'staff' ? 'staff' : 'customer', id: subjectId },
    secondFactorAt: stored.secondFactorAt,
    stepUpAt: stored.stepUpAt,
    tokenHash: stored.tokenHash,
    csrfHash: stored.csrfHash,
  };
}

export function createSessions(deps: {
  store: SessionStore;
  clock: Clock;
  policies?: Record<Realm, SessionPolicy>;
  /** Session rows by token hash, in memory; without it every request reads the database. */
  cache?: VersionedCache<SessionWithAccount>;
}) {
  const { store, clock } = deps;
  const policies = deps.policies ?? defaultPolicies;
  const cache = deps.cache ?? readThrough<SessionWithAccount>();

  async function storedSession(hash: Buffer, now: number): Promise<SessionWithAccount | undefined> {
    const key = hash.toString('base64url');
    const found = await cache.get(key, () => store.byTokenHash(hash));
    if (!found || now - found.lastSeenAt < TOUCH_EVERY_MS) return found;
    // Due a touch, or idle as far as memory knows (another node may have touched it since): the row itself.
    cache.forget(key);
    return store.byTokenHash(hash);
  }

  async function issue(
    account: { id: string; realm: Realm; subjectId: string },
    /**
     * `stepUp` (default: same as `secondFactor`) says whether the second factor was fresh enough to count as
     * a step-up now; single sign-on passes false when the identity provider's second factor was not recent.
     */
    options: { secondFactor: boolean; stepUp?: boolean },
  ): Promise<IssuedSession> {
    const now = clock.now();
    const token = TOKEN_PREFIX + secureRandom(32).toString('base64url');
    const csrfToken = secureRandom(32).toString('base64url');
    const expiresAt = now + policies[account.realm].absoluteMs;
    const stored: StoredSession = {
      tokenHash: tokenHash(token),
      id: uuidv7(now),
      accountId: account.id,
      realm: account.realm,
      csrfHash: tokenHash(csrfToken),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      secondFactorAt: options.secondFactor ? now : null,
      stepUpAt: options.secondFactor && (options.stepUp ?? true) ? now : null,
      revokedAt: null,
    };
    await store.insert(stored);
    return { token, csrfToken, expiresAt, session: toSession(stored, account.subjectId) };
  }

  return {
    issue,

    /**
     * The session a token stands for, in the given realm; throws AUTH_INVALID, SESSION_EXPIRED,
     * ACCOUNT_SUSPENDED, STAFF_ON_LEAVE.
     */
    async authenticate(token: string, realm: Realm): Promise<Session> {
      if (!TOKEN_SHAPE.test(token)) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      const hash = tokenHash(token);
      const stored = await storedSession(hash, clock.now());
      // On leave: the account's own sessions (revoked when the leave started) say why they are refused.
      if (stored?.realm === realm && stored.accountStatus === 'on_leave') {
        throw new CustosError('STAFF_ON_LEAVE', 'This account is on leave');
      }
      if (!stored || stored.realm !== realm || stored.revokedAt !== null) {
        throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      }
      const now = clock.now();
      const policy = policies[realm];
      if (now >= stored.expiresAt || now - stored.lastSeenAt >= policy.idleMs) {
        await store.revoke(hash, now);
        throw new CustosError('SESSION_EXPIRED', 'The session has expired: sign in again');
      }
      if (stored.accountStatus !== 'active') {
        throw new CustosError('ACCOUNT_SUSPENDED', 'This account cannot sign in');
      }
      if (now - stored.lastSeenAt >= TOUCH_EVERY_MS) await store.touch(hash, now);
      return toSession(stored, stored.subjectId);
    },

    /** The second factor is done: replace the password-only session with a full one (new token). */
    async completeSecondFactor(session: Session): Promise<IssuedSession> {
      await store.revoke(session.tokenHash, clock.now());
      return issue(
        { id: session.accountId, realm: session.realm, subjectId: session.actor.id },
        { secondFactor: true },
      );
    },

    /** Record a fresh second-factor assertion for sensitive acts. */
    async stepUp(session: Session): Promise<void> {
      await store.markStepUp(session.tokenHash, clock.now());
    },

    requireSecondFactor(session: Session): void {
      if (session.secondFactorAt === null) {
        throw new CustosError('SECOND_FACTOR_REQUIRED', 'Complete your second factor first');
      }
    },

    /** For reveal, export, break-glass, policy changes: a second factor no older than the window. */
    requireStepUp(session: Session): void {
      const window = policies[session.realm].stepUpWindowMs;
      if (session.stepUpAt === null || clock.now() - session.stepUpAt > window) {
        throw new CustosError('STEP_UP_REQUIRED', 'Confirm with your second factor to do this');
      }
    },

    /**
     * For a staff member the watcher holds at `elevated`: the reveal uses up the step-up, so each reveal needs
     * its own second factor. Two requests racing on one step-up: one wins.
     */
    async spendStepUp(session: Session): Promise<void> {
      if (session.stepUpAt === null || !(await store.spendStepUp(session.tokenHash, session.stepUpAt))) {
        throw new CustosError('STEP_UP_REQUIRED', 'Confirm with your second factor for each reveal');
      }
    },

    verifyCsrf(session: Session, token: string | undefined): void {
      const given = tokenHash(token ?? '');
      if (!token || !timingSafeEqual(given, session.csrfHash)) {
        throw new CustosError('CSRF_INVALID', 'Missing or wrong CSRF token');
      }
    },

    signOut: (session: Session) => store.revoke(session.tokenHash, clock.now()),

    /** Offboarding and suspension: every session of the account ends now. */
    revokeAll: (accountId: string) => store.revokeAll(accountId, clock.now()),
  };
}

export type Sessions = ReturnType<typeof createSessions>;
