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
import { otpauthQrSvg, otpauthUri } from '../second-factor/otpauth.ts';
import { dummyVerify, verifyPassword } from './passwords.ts';
import { generateRecoveryCodes, matchRecoveryCode } from '../second-factor/recovery-codes.ts';
import type { IssuedSession, Realm, Session, Sessions } from '../sessions/sessions.ts';
import { accountThrottleKey, addressThrottleKey, type Throttle } from '../sign-in/throttle.ts';
import { generateTotpSecret, verifyTotp } from '../second-factor/totp.ts';

const TOTP_KIND = 'totp';
const ISSUER = 'Custos';

export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

const invalid = () => new CustosError('AUTH_INVALID', 'The credentials are not valid');

export function createAccounts(deps: {
  store: AccountStore;
  sessions: Sessions;
  throttle: Throttle;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
}) {
  const { store, sessions, throttle, keyring, ledger, clock } = deps;
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
  async function proveSecondFactor(
    accountId: string,
    proof: SecondFactorProof,
  ): Promise<'totp' | 'recovery-code'> {
    const key = `second-factor:${accountId}`;
    const decision = await throttle.check([key]);
    if (!decision.allowed)
      throw new CustosError('RATE_LIMITED', `Too many attempts: retry in ${decision.retryAfterSeconds} s`);
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
    const keys = [accountThrottleKey(input.realm, input.login), addressThrottleKey(input.address)];
    const decision = await throttle.check(keys);
    if (!decision.allowed) {
      throw new CustosError('RATE_LIMITED', `Too many attempts: retry in ${decision.retryAfterSeconds} s`);
    }
    const login = normaliseEmail(input.login) ?? normalisePhone(input.login) ?? input.login;
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
      throw invalid();
    }
    await throttle.recordSuccess(keys[0] as string);
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
    /** Start TOTP enrolment: a new secret, shown once as an otpauth URI and a QR code. */
    async beginTotpEnrolment(session: Session): Promise<{ otpauthUri: string; qrSvg: string }> {
      const row = await account(session.accountId);
      if (row.enrolledAt !== null) sessions.requireStepUp(session);
      const secret = generateTotpSecret();
      await store.putTotp({
        accountId: row.id,
        secretSealed: keyring.sealAccountSecret(row.id, TOTP_KIND, secret),
        lastStep: 0,
        confirmedAt: null,
        createdAt: clock.now(),
      });
      const uri = otpauthUri({ issuer: ISSUER, accountName: row.login, secret });
      secret.fill(0);
      return { otpauthUri: uri, qrSvg: await otpauthQrSvg(uri) };
    },

    /** Confirm enrolment with a first code: the account is enrolled, gets recovery codes and a full session. */
    async confirmTotpEnrolment(
      session: Session,
      code: string,
    ): Promise<{ session: IssuedSession; recoveryCodes: string[] }> {
      const credential = await store.totp(session.accountId);
      if (!credential) throw new CustosError('ENROLMENT_REQUIRED', 'Start the enrolment first');
      const secret = keyring.openAccountSecret(session.accountId, TOTP_KIND, credential.secretSealed);
      const match = verifyTotp({ secret, code, now: clock.now(), lastUsedStep: credential.lastStep });
      secret.fill(0);
      if (!match || !(await store.advanceTotpStep(session.accountId, match.step, clock.now())))
        throw invalid();
      const now = clock.now();
      const row = await account(session.accountId);
      if (row.enrolledAt === null) await store.update(row.id, { enrolledAt: now, updatedAt: now });
      const { codes, hashes } = generateRecoveryCodes();
      await store.replaceRecoveryCodes(row.id, hashes);
      await ledger.append({
        type: 'auth.enrolled',
        actor: `account:${row.id}`,
        data: { accountId: row.id, method: 'totp' },
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
      const method = await proveSecondFactor(row.id, proof);
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
      const method = await proveSecondFactor(session.accountId, proof);
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

    /** Suspension and offboarding: the account's sessions end now, and it cannot sign in again. */
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
