/**
 * Accounts and their sign-in: staff invited by an administrator, a password and a second factor enrolled
 * before anything else works, sign-in with password then second factor, step-up for sensitive acts,
 * suspension. Customers use the same machinery in their own realm.
 *
 * Invariants: an unknown login and a wrong password get the same answer after the same work (dummy verify);
 * a TOTP code is accepted once (its time step must be newer than the last accepted); every sign-in,
 * failure, enrolment, recovery-code use, step-up and suspension is written to the ledger.
 */
import { tokenHash } from '../crypto/token-hash.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { secureRandom } from '../crypto/random.ts';
import { normaliseEmail, normalisePhone } from '../crypto/normalise.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../platform/actor.ts';
import type { Clock } from '../platform/clock.ts';
import { CustosError, validationFailed } from '../platform/errors.ts';
import { uuidv7 } from '../platform/ids.ts';
import { createKeyedQueue } from '../platform/keyed-queue.ts';
import type { AccountStore } from './accounts.store.ts';
import { otpauthQrSvg, otpauthUri } from './otpauth.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { dummyVerify, hashPassword, verifyPassword } from './passwords.ts';
import { generateRecoveryCodes, matchRecoveryCode } from './recovery-codes.ts';
import type { IssuedSession, Realm, Session, Sessions } from './sessions.ts';
import { type StaffRole, staffRoles, type StaffStore } from './staff.store.ts';
import { accountThrottleKey, addressThrottleKey, type Throttle } from './throttle.ts';
import { generateTotpSecret, verifyTotp } from './totp.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const TOTP_KIND = 'totp';
const ISSUER = 'Custos';

export interface StaffInvitation {
  email: string;
  displayName: string;
  role: string;
  region: string;
  site: string;
  shift: string;
  managerId?: string | null;
}

export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

/** The customer's side of a portal invitation: which customer, and the email or phone they will sign in with. */
export interface CustomerInvitation {
  customerId: string;
  login: string;
}

/** What identity needs to know about customers (the vault implements it): is this their own contact on file? */
export interface CustomerContacts {
  isContactOf(customerId: string, by: 'phone' | 'email', value: string): Promise<boolean>;
}

const invalid = () => new CustosError('AUTH_INVALID', 'The credentials are not valid');

export function createAccounts(deps: {
  store: AccountStore;
  staff: StaffStore;
  sessions: Sessions;
  throttle: Throttle;
  keyring: Pick<Keyring, 'sealAccountSecret' | 'openAccountSecret'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  customers: CustomerContacts;
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
      if (credential?.confirmed_at) {
        const secret = keyring.openAccountSecret(accountId, TOTP_KIND, credential.secret_sealed);
        const match = verifyTotp({
          secret,
          code: proof.code,
          now: clock.now(),
          lastUsedStep: credential.last_step,
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
        unused.map((r) => r.code_hash),
      );
      const row = unused[index];
      if (row && (await store.useRecoveryCode(accountId, row.idx, clock.now()))) {
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

  /** A single-use invitation for an account just created; the token is returned once, only its hash kept. */
  async function invite(
    by: Actor,
    account: { id: string; realm: Realm; subjectId: string },
  ): Promise<string> {
    const now = clock.now();
    const invitationToken = secureRandom(32).toString('base64url');
    await store.insertInvitation({
      token_hash: tokenHash(invitationToken),
      account_id: account.id,
      expires_at: now + INVITATION_TTL_MS,
      used_at: null,
      created_at: now,
    });
    await ledger.append({
      type: 'account.invited',
      actor: actorRef(by),
      subject: account.subjectId,
      data: { accountId: account.id, realm: account.realm, subjectId: account.subjectId },
    });
    return invitationToken;
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
    const ok = row?.password_hash
      ? await verifyPassword(row.password_hash, input.password)
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
      { id: row.id, realm: row.realm as Realm, subjectId: row.subject_id },
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
    /** An administrator invites a staff member; the returned token goes into the invitation link, once. */
    async inviteStaff(
      by: Actor,
      input: StaffInvitation,
    ): Promise<{ staffId: string; accountId: string; invitationToken: string }> {
      const email = normaliseEmail(input.email);
      const problems = [];
      if (!email) problems.push({ path: 'email', problem: 'must be an email address' });
      if (!(staffRoles as readonly string[]).includes(input.role)) {
        problems.push({ path: 'role', problem: `must be one of ${staffRoles.join(', ')}` });
      }
      if (!input.displayName?.trim()) problems.push({ path: 'displayName', problem: 'is required' });
      if (problems.length > 0) throw validationFailed(problems);
      if (await store.byLogin('staff', email as string)) {
        throw new CustosError('VALIDATION_FAILED', 'A staff account with this email already exists');
      }
      const now = clock.now();
      const staffId = uuidv7(now);
      const accountId = uuidv7(now);
      await deps.staff.insertStaff([
        {
          id: staffId,
          display_name: input.displayName.trim(),
          email: email as string,
          role: input.role as StaffRole,
          region: input.region,
          site: input.site,
          manager_id: input.managerId ?? null,
          shift: input.shift,
          status: 'active',
          created_at: now,
        },
      ]);
      await store.insertAccount({
        id: accountId,
        realm: 'staff',
        subject_id: staffId,
        login: email as string,
        display_name: input.displayName.trim(),
        password_hash: null,
        status: 'invited',
        enrolled_at: null,
        created_at: now,
        updated_at: now,
      });
      const invitationToken = await invite(by, { id: accountId, realm: 'staff', subjectId: staffId });
      return { staffId, accountId, invitationToken };
    },

    /**
     * A staff member (full session, fresh step-up) invites a customer to the privacy portal. The login must
     * be the customer's own email or phone on file (checked by blind index), so the account can only ever be
     * bound to a contact the customer gave; the token is shown once, for delivery to that contact. Which
     * customer a staff member may invite is access's decision (through a case), made before this is called.
     */
    async inviteCustomer(
      session: Session,
      input: CustomerInvitation,
    ): Promise<{ accountId: string; invitationToken: string; expiresAt: number }> {
      if (session.realm !== 'staff') throw new CustosError('FORBIDDEN', 'Only staff can invite customers');
      sessions.requireStepUp(session);
      const email = normaliseEmail(input.login);
      const phone = email ? null : normalisePhone(input.login);
      const login = email ?? phone;
      const by = email ? 'email' : 'phone';
      if (!login || !(await deps.customers.isContactOf(input.customerId, by, login))) {
        throw validationFailed([
          { path: 'login', problem: "must be the customer's own email or phone on file" },
        ]);
      }
      if ((await store.bySubject('customer', input.customerId)) || (await store.byLogin('customer', login))) {
        throw new CustosError('VALIDATION_FAILED', 'This customer already has a portal account');
      }
      const now = clock.now();
      const accountId = uuidv7(now);
      await store.insertAccount({
        id: accountId,
        realm: 'customer',
        subject_id: input.customerId,
        login,
        display_name: login,
        password_hash: null,
        status: 'invited',
        enrolled_at: null,
        created_at: now,
        updated_at: now,
      });
      const invitationToken = await invite(session.actor, {
        id: accountId,
        realm: 'customer',
        subjectId: input.customerId,
      });
      return { accountId, invitationToken, expiresAt: now + INVITATION_TTL_MS };
    },

    /**
     * Accept an invitation by choosing a password. The session returned can only enrol a second factor:
     * nothing else works until that is done.
     */
    async acceptInvitation(token: string, password: string, realm: Realm): Promise<IssuedSession> {
      const hash = tokenHash(token);
      const pending = await store.pendingInvitation(hash, clock.now());
      if (!pending)
        throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      const row = await account(pending);
      // A staff invitation is accepted only on the staff route and a customer's only on the portal's, so
      // neither can be turned into a session of the other realm; it stays unused for its own route.
      if (row.realm !== realm)
        throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      // Check the password before using up the invitation, so a refused password can be retried.
      assertAcceptablePassword(password, { login: row.login, displayName: row.display_name });
      const passwordHash = await hashPassword(password);
      if ((await store.useInvitation(hash, clock.now())) !== row.id) {
        throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      }
      await store.update(row.id, { password_hash: passwordHash, status: 'active', updated_at: clock.now() });
      return sessions.issue(
        { id: row.id, realm: row.realm as Realm, subjectId: row.subject_id },
        { secondFactor: false },
      );
    },

    /** Start TOTP enrolment: a new secret, shown once as an otpauth URI and a QR code. */
    async beginTotpEnrolment(session: Session): Promise<{ otpauthUri: string; qrSvg: string }> {
      const row = await account(session.accountId);
      if (row.enrolled_at !== null) sessions.requireStepUp(session);
      const secret = generateTotpSecret();
      await store.putTotp({
        account_id: row.id,
        secret_sealed: keyring.sealAccountSecret(row.id, TOTP_KIND, secret),
        last_step: 0,
        confirmed_at: null,
        created_at: clock.now(),
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
      const secret = keyring.openAccountSecret(session.accountId, TOTP_KIND, credential.secret_sealed);
      const match = verifyTotp({ secret, code, now: clock.now(), lastUsedStep: credential.last_step });
      secret.fill(0);
      if (!match || !(await store.advanceTotpStep(session.accountId, match.step, clock.now())))
        throw invalid();
      const now = clock.now();
      const row = await account(session.accountId);
      if (row.enrolled_at === null) await store.update(row.id, { enrolled_at: now, updated_at: now });
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
      if (row.enrolled_at === null)
        throw new CustosError('ENROLMENT_REQUIRED', 'Enrol a second factor first');
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
    async suspend(by: Actor, accountId: string): Promise<void> {
      const row = await account(accountId);
      await store.update(row.id, { status: 'suspended', updated_at: clock.now() });
      const revoked = await sessions.revokeAll(row.id);
      await ledger.append({
        type: 'account.suspended',
        actor: actorRef(by),
        subject: row.subject_id,
        data: { accountId: row.id, sessionsRevoked: revoked },
      });
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
