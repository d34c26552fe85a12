/**
 * Accounts and their sign-in (invitations are in invitations.service.ts): a password and a second factor
 * enrolled before anything else works, sign-in with password then second factor, step-up for sensitive acts,
 * suspension. Customers use the same machinery in their own realm.
 *
 * Invariants: an unknown login and a wrong password get the same answer after the same work (dummy verify);
 * a TOTP code is accepted once (its time step must be newer than the last accepted); every sign-in,
 * failure, enrolment, recovery-code use, step-up and suspension is written to the ledger.
 */
import type { Keyring } from '../../crypto/keyring.ts';
import { normaliseEmail, normalisePhone } from '../../crypto/normalise.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { AccountStore } from './accounts.store.ts';
import type { PortalLogins } from './portal-logins.ts';
import { otpauthQrSvg, otpauthUri } from '../second-factor/otpauth.ts';
import { dummyVerify, verifyPassword } from './passwords.ts';
import { generateRecoveryCodes, matchRecoveryCode } from '../second-factor/recovery-codes.ts';
import type { IssuedSession, Realm, Session, Sessions } from '../sessions/sessions.ts';
import {
  accountThrottleKey,
  addressThrottleKey,
  cleanAddressThrottleKey,
  type Throttle,
  type ThrottleDecision,
} from '../sign-in/throttle.ts';
import { generateTotpSecret, verifyTotp } from '../second-factor/totp.ts';

const TOTP_KIND = 'totp';
const ISSUER = 'Custos';

export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

const invalid = () => new CustosError('AUTH_INVALID', 'The credentials are not valid');
const onLeave = () => new CustosError('STAFF_ON_LEAVE', 'This account is on leave');
/** An account's status while HR has its owner on leave (`startLeave`): it signs in nothing. */
export const ON_LEAVE = 'on_leave';
const rateLimited = (retryAfterSeconds: number) =>
  new CustosError('RATE_LIMITED', `Too many attempts: retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });

/** How long a re-enrolment's new secret waits for its first code before it must be started again. */
export const PENDING_TOTP_TTL_MS = 15 * 60_000;

export function createAccounts(deps: {
  store: AccountStore;
  sessions: Sessions;
  throttle: Throttle;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
  clock: Clock;
  portalLogins: Pick<PortalLogins, 'fromTyped' | 'contactOf'>;
}) {
  const { store, sessions, throttle, keyring, ledger, clock, portalLogins } = deps;
  // One password or code check at a time per login / account in this process: otherwise a burst of
  // parallel guesses would all pass the same back-off check before any failure was recorded.
  const oneAtATime = createKeyedQueue();

  async function account(id: string) {
    const row = await store.byId(id);
    if (!row) throw invalid();
    return row;
  }

  async function suspend(by: Actor, accountId: string): Promise<void> {
    const row = await account(accountId);
    await store.update(row.id, { status: 'suspended', updatedAt: clock.now() });
    const revoked = await sessions.revokeAll(row.id);
    await ledger.append({
      type: 'account.suspended',
      actor: actorRef(by),
      subject: row.subjectId,
      data: { accountId: row.id, sessionsRevoked: revoked },
    });
  }

  /** Check a TOTP code or a recovery code for an account; consumes what it accepts. */
  /**
   * Refuse an attempt the throttle holds back: RATE_LIMITED with its Retry-After, and — the first time in a
   * key's back-off, however many requests follow — one `auth.sign_in_throttled` entry naming which keys
   * wait, so spraying is visible to the watcher without a ledger entry per request.
   */
  async function refuse(
    realm: Realm,
    decision: Extract<ThrottleDecision, { allowed: false }>,
    accountId?: string,
  ): Promise<never> {
    const claimed = await Promise.all(decision.waiting.map((key) => throttle.claimBurst(key)));
    const started = decision.waiting.filter((_, i) => claimed[i]);
    if (started.length > 0) {
      await ledger.append({
        type: 'auth.sign_in_throttled',
        actor: accountId ? `account:${accountId}` : 'anonymous',
        data: {
          realm,
          on: started.map((key) => key.slice(0, key.indexOf(':'))),
          retryAfterSeconds: decision.retryAfterSeconds,
          ...(accountId ? { accountId } : {}),
        },
      });
    }
    throw rateLimited(decision.retryAfterSeconds);
  }

  async function proveSecondFactor(
    realm: Realm,
    accountId: string,
    proof: SecondFactorProof,
  ): Promise<'totp' | 'recovery-code'> {
    const key = `second-factor:${accountId}`;
    const decision = await throttle.check([key]);
    if (!decision.allowed) return refuse(realm, decision, accountId);
    if (proof.code !== undefined) {
      const credential = await store.totp(accountId);
      if (credential?.confirmedAt) {
        const secret = keyring.openAccountSecret(accountId, TOTP_KIND, credential.secretSealed);
        const match = verifyTotp({
          secret,
          code: proof.code,
          now: clock.now(),
          lastUsedStep: credential.lastStep,
        });
        secret.fill(0);
        if (match && (await store.advanceTotpStep(accountId, match.step))) {
          await throttle.recordSuccess(key);
          return 'totp';
        }
      }
    } else if (proof.recoveryCode !== undefined) {
      const unused = await store.unusedRecoveryCodes(accountId);
      const index = matchRecoveryCode(
        proof.recoveryCode,
        unused.map((r) => r.codeHash),
      );
      const row = unused[index];
      if (row && (await store.useRecoveryCode(accountId, row.index, clock.now()))) {
        await throttle.recordSuccess(key);
        await ledger.append({
          type: 'auth.recovery_code_used',
          actor: `account:${accountId}`,
          data: { accountId, remaining: unused.length - 1 },
        });
        return 'recovery-code';
      }
    }
    await throttle.recordFailure([key]);
    throw invalid();
  }

  async function signInOnce(input: {
    realm: Realm;
    login: string;
    password: string;
    address: string;
  }): Promise<IssuedSession> {
    const loginKey = accountThrottleKey(input.realm, input.login);
    const addressKey = addressThrottleKey(input.address);
    let keys = [loginKey, addressKey];
    let decision = await throttle.check(keys);
    // Targeted lockout: a login held back by its own key still gets attempts from an address that has
    // never failed, under a back-off of their own (clean-address key), so guesses from elsewhere cannot keep
    // the owner out, and ever-new addresses get no more than that key allows.
    if (!decision.allowed && (await throttle.clean(addressKey))) {
      const cleanKey = cleanAddressThrottleKey(input.realm, input.login);
      decision = await throttle.check([addressKey, cleanKey]);
      keys = [loginKey, addressKey, cleanKey];
    }
    if (!decision.allowed) return refuse(input.realm, decision);
    const login =
      input.realm === 'customer'
        ? portalLogins.fromTyped(input.login)
        : (normaliseEmail(input.login) ?? normalisePhone(input.login) ?? input.login);
    const row = await store.byLogin(input.realm, login);
    const ok = row?.passwordHash
      ? await verifyPassword(row.passwordHash, input.password)
      : await dummyVerify(input.password);
    if (!row || !ok || row.status !== 'active') {
      await throttle.recordFailure(keys);
      await ledger.append({
        type: 'auth.sign_in_failed',
        actor: 'anonymous',
        data: {
          realm: input.realm,
          reason: !row ? 'unknown_login' : !ok ? 'wrong_password' : `account_${row.status}`,
          ...(row ? { accountId: row.id } : {}),
        },
      });
      // Only the right password learns that the account is on leave (it tells its owner why they wait).
      throw row && ok && row.status === ON_LEAVE ? onLeave() : invalid();
    }
    await throttle.recordSuccess(loginKey);
    await throttle.recordSuccess(cleanAddressThrottleKey(input.realm, input.login));
    const issued = await sessions.issue(
      { id: row.id, realm: row.realm, subjectId: row.subjectId },
      { secondFactor: false },
    );
    await ledger.append({
      type: 'auth.signed_in',
      actor: actorRef(issued.session.actor),
      data: { accountId: row.id, realm: row.realm, method: 'password', sessionId: issued.session.id },
    });
    return issued;
  }

  return {
    /**
     * Start TOTP enrolment: a new secret, shown once as an otpauth URI and a QR code. A re-enrolment (the
     * account has a confirmed TOTP) needs a fresh step-up and puts the new secret beside the confirmed one:
     * the old authenticator keeps working until the new one is confirmed. Ledgered before the secret is kept.
     */
    async beginTotpEnrolment(session: Session): Promise<{ otpauthUri: string; qrSvg: string }> {
      const row = await account(session.accountId);
      if (row.enrolledAt !== null) sessions.requireStepUp(session);
      const confirmed = (await store.totp(row.id))?.confirmedAt != null;
      const secret = generateTotpSecret();
      try {
        const sealed = keyring.sealAccountSecret(row.id, TOTP_KIND, secret);
        const now = clock.now();
        await ledger.record(
          {
            type: 'auth.totp_enrolment_started',
            actor: actorRef(session.actor),
            data: { accountId: row.id, sessionId: session.id, replacing: confirmed },
          },
          async () => {
            const kept = confirmed
              ? await store.putPendingTotp(row.id, sealed, now)
              : await store.putTotp({
                  accountId: row.id,
                  secretSealed: sealed,
                  lastStep: 0,
                  confirmedAt: null,
                  createdAt: now,
                });
            // A confirmation landed between the read and the write: start again rather than guess.
            if (!kept)
              throw new CustosError('VERSION_CONFLICT', 'The enrolment changed meanwhile: start again');
          },
        );
        const uri = otpauthUri({
          issuer: ISSUER,
          accountName: (await portalLogins.contactOf(row)) ?? 'portal',
          secret,
        });
        return { otpauthUri: uri, qrSvg: await otpauthQrSvg(uri) };
      } finally {
        secret.fill(0);
      }
    },

    /**
     * Confirm enrolment with a first code of the new secret: it becomes the account's TOTP (replacing a
     * re-enrolled one's old secret only now), the account is enrolled, gets new recovery codes and a full
     * session. A pending re-enrolment older than PENDING_TOTP_TTL_MS is refused (start again), and its
     * confirmation needs a fresh step-up like its start.
     */
    async confirmTotpEnrolment(
      session: Session,
      code: string,
    ): Promise<{ session: IssuedSession; recoveryCodes: string[] }> {
      const credential = await store.totp(session.accountId);
      const pending = credential?.pending ?? null;
      const now = clock.now();
      const live = pending !== null && now - pending.createdAt <= PENDING_TOTP_TTL_MS;
      if (!credential || (credential.confirmedAt !== null && !live))
        throw new CustosError('ENROLMENT_REQUIRED', 'Start the enrolment first');
      // Replacing a confirmed authenticator is as sensitive as starting to: a fresh step-up again (so a
      // password-only session, or one gone stale since, cannot complete it).
      if (live) sessions.requireStepUp(session);
      const key = `second-factor:${session.accountId}`;
      const decision = await throttle.check([key]);
      if (!decision.allowed) return refuse(session.realm, decision, session.accountId);
      const sealed = live ? pending.secretSealed : credential.secretSealed;
      const secret = keyring.openAccountSecret(session.accountId, TOTP_KIND, sealed);
      const match = verifyTotp({
        secret,
        code,
        now,
        lastUsedStep: live ? 0 : credential.lastStep,
      });
      secret.fill(0);
      const accepted =
        match !== null &&
        (live
          ? await store.promotePendingTotp(session.accountId, sealed, match.step, now)
          : await store.advanceTotpStep(session.accountId, match.step, now));
      if (!accepted) {
        await throttle.recordFailure([key]);
        throw invalid();
      }
      await throttle.recordSuccess(key);
      const row = await account(session.accountId);
      if (row.enrolledAt === null) await store.update(row.id, { enrolledAt: now, updatedAt: now });
      const { codes, hashes } = generateRecoveryCodes();
      await store.replaceRecoveryCodes(row.id, hashes);
      await ledger.append({
        type: 'auth.enrolled',
        actor: `account:${row.id}`,
        data: { accountId: row.id, method: 'totp', ...(live ? { replaced: true } : {}) },
      });
      return { session: await sessions.completeSecondFactor(session), recoveryCodes: codes };
    },

    /** Password step. Same answer and comparable time whether or not the login exists. */
    signIn(input: {
      realm: Realm;
      login: string;
      password: string;
      address: string;
    }): Promise<IssuedSession> {
      return oneAtATime(accountThrottleKey(input.realm, input.login), () => signInOnce(input));
    },

    /** Second step of sign-in: a TOTP or recovery code turns the password session into a full one. */
    async completeSignIn(session: Session, proof: SecondFactorProof): Promise<IssuedSession> {
      const row = await account(session.accountId);
      if (row.enrolledAt === null) throw new CustosError('ENROLMENT_REQUIRED', 'Enrol a second factor first');
      const method = await proveSecondFactor(row.realm, row.id, proof);
      const issued = await sessions.completeSecondFactor(session);
      await ledger.append({
        type: 'auth.second_factor',
        actor: actorRef(session.actor),
        data: { accountId: row.id, method, sessionId: issued.session.id },
      });
      return issued;
    },

    /** A fresh second-factor assertion for reveal, export, break-glass and policy changes. */
    async stepUp(session: Session, proof: SecondFactorProof): Promise<void> {
      sessions.requireSecondFactor(session);
      const method = await proveSecondFactor(session.realm, session.accountId, proof);
      await sessions.stepUp(session);
      await ledger.append({
        type: 'auth.step_up',
        actor: actorRef(session.actor),
        data: { accountId: session.accountId, method, sessionId: session.id },
      });
    },

    /** End this session. */
    async signOut(session: Session): Promise<void> {
      await sessions.signOut(session);
      await ledger.append({
        type: 'auth.signed_out',
        actor: actorRef(session.actor),
        data: { accountId: session.accountId, sessionId: session.id },
      });
    },

    /**
     * Erasure of a customer: their portal account goes, with its login index, sealed contact, password,
     * second factors, sessions and invitations. Ledgered before it happens; false when there was none. The
     * vault's erasure of the customer calls this (their sealed contact also dies with their key).
     */
    async eraseCustomerAccount(by: Actor, customerId: string): Promise<boolean> {
      const row = await store.bySubject('customer', customerId);
      if (!row) return false;
      await ledger.record(
        {
          type: 'account.erased',
          actor: actorRef(by),
          subject: customerId,
          data: { accountId: row.id, realm: row.realm },
        },
        () => store.eraseAccount(row.id, clock.now()),
      );
      return true;
    },

    /** Suspension and offboarding: the account's sessions end now, and it cannot sign in again. */
    /** Make a suspended staff member's account active again (a reviewed automatic suspension lifted). */
    async reinstateStaff(by: Actor, staffId: string): Promise<void> {
      const row = await store.bySubject('staff', staffId);
      if (!row || row.status !== 'suspended') return;
      await ledger.record(
        {
          type: 'account.reinstated',
          actor: actorRef(by),
          subject: row.subjectId,
          data: { accountId: row.id },
        },
        () => store.update(row.id, { status: 'active', updatedAt: clock.now() }),
      );
    },

    /**
     * HR put a staff member on leave: an active account becomes `on_leave` and its sessions end. An account
     * already suspended (by the watcher, by security) stays suspended, so the leave's end cannot lift it.
     * False when nothing changed.
     */
    async startLeave(by: Actor, staffId: string): Promise<boolean> {
      const row = await store.bySubject('staff', staffId);
      if (!row || !(await store.changeStatus(row.id, 'active', ON_LEAVE, clock.now()))) return false;
      const revoked = await sessions.revokeAll(row.id);
      await ledger.append({
        type: 'account.on_leave',
        actor: actorRef(by),
        subject: row.subjectId,
        data: { accountId: row.id, sessionsRevoked: revoked },
      });
      return true;
    },

    /**
     * HR reported the leave's end: an account on leave is active again. Any other status (suspended by the
     * watcher or by security while on leave, or never on leave) is left as it is. False when nothing changed.
     */
    async endLeave(by: Actor, staffId: string): Promise<boolean> {
      const row = await store.bySubject('staff', staffId);
      if (!row || row.status !== ON_LEAVE) return false;
      try {
        await ledger.record(
          {
            type: 'account.reinstated',
            actor: actorRef(by),
            subject: row.subjectId,
            data: { accountId: row.id },
          },
          async () => {
            if (!(await store.changeStatus(row.id, ON_LEAVE, 'active', clock.now())))
              throw new CustosError('VERSION_CONFLICT', 'The account is no longer on leave');
          },
        );
        return true;
      } catch (error) {
        // Suspended meanwhile: the suspension stands (and `act.failed` says the reinstatement did not happen).
        if (error instanceof CustosError && error.code === 'VERSION_CONFLICT') return false;
        throw error;
      }
    },

    /** Suspend a staff member's account by their staff id (the watcher's containment); false if none. */
    async suspendStaff(by: Actor, staffId: string): Promise<boolean> {
      const row = await store.bySubject('staff', staffId);
      if (!row) return false;
      await suspend(by, row.id);
      return true;
    },

    suspend,
  };
}

/** Sign-in, enrolment and suspension (this file) with invitations (invitations.service.ts), as wired. */
export type Accounts = ReturnType<typeof createAccounts>;
