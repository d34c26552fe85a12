/**
 * An account's passkeys, for either realm: enrolment and management by the signed-in owner, and usernameless
 * sign-in to a full session. Challenges are kept server-side as auth challenge records.
 *
 * Invariants: enrolling or removing a passkey needs a full session with a fresh step-up, and a registration
 * challenge is only good for the account that asked for it; a passkey signs in only to its own account's
 * realm (a staff passkey never yields a customer session, nor the reverse) and only while that account is
 * active; every enrolment, change, sign-in and refused sign-in is in the ledger.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import type { AccountStore } from '../accounts/accounts.store.ts';
import type { PortalLogins } from '../accounts/portal-logins.ts';
import type { AuthChallenges } from '../sign-in/auth-challenges.ts';
import type { PasskeyChallenge, Passkeys, PasskeySummary } from './passkeys.ts';
import type { IssuedSession, Realm, Session, Sessions } from '../sessions/sessions.ts';

interface PendingPasskeySignIn {
  challenge: PasskeyChallenge;
  realm: Realm;
}

const invalid = () => new CustosError('AUTH_INVALID', 'The credentials are not valid');

export function createAccountPasskeys(deps: {
  passkeys: Passkeys;
  challenges: AuthChallenges;
  accounts: Pick<AccountStore, 'byId'>;
  sessions: Pick<Sessions, 'issue' | 'requireSecondFactor' | 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  portalLogins: Pick<PortalLogins, 'contactOf'>;
}) {
  const { passkeys, challenges, accounts, sessions, ledger, clock } = deps;

  async function owner(session: Session) {
    sessions.requireSecondFactor(session);
    const row = await accounts.byId(session.accountId);
    if (!row) throw invalid();
    return row;
  }

  async function refuseSignIn(realm: Realm, reason: string, accountId?: string): Promise<never> {
    await ledger.append({
      type: 'auth.sign_in_failed',
      actor: 'anonymous',
      data: { realm, reason, ...(accountId ? { accountId } : {}) },
    });
    throw invalid();
  }

  return {
    /** Start enrolling a passkey for the session's own account: options for the browser and a handle. */
    async registrationOptions(
      session: Session,
    ): Promise<{ handle: string; options: PublicKeyCredentialCreationOptionsJSON }> {
      sessions.requireStepUp(session);
      const row = await owner(session);
      // A customer's login is stored only as a keyed index: their authenticator is shown their contact.
      const login = (await deps.portalLogins.contactOf(row)) ?? 'portal';
      const { options, challenge } = await passkeys.registrationOptions({
        account: { id: row.id, login, displayName: row.realm === 'customer' ? login : row.displayName },
      });
      const { handle } = await challenges.issue(
        'passkey.register',
        challenge,
        challenge.expiresAt - clock.now(),
      );
      return { handle, options };
    },

    /** Finish enrolling: the browser's answer to `registrationOptions`, under a name of the owner's choosing. */
    async register(
      session: Session,
      input: { handle: string; name: string; response: RegistrationResponseJSON },
    ): Promise<PasskeySummary> {
      sessions.requireStepUp(session);
      await owner(session);
      const challenge = await challenges.take<PasskeyChallenge>(input.handle, 'passkey.register');
      const passkey = await passkeys.verifyRegistration({
        response: input.response,
        // A challenge issued to another account's session is as good as none.
        expectedChallenge: challenge?.accountId === session.accountId ? challenge : undefined,
        name: input.name,
      });
      await ledger.append({
        type: 'auth.enrolled',
        actor: actorRef(session.actor),
        data: { accountId: session.accountId, method: 'passkey' },
      });
      return passkey;
    },

    async list(session: Session): Promise<PasskeySummary[]> {
      await owner(session);
      return passkeys.list(session.accountId);
    },

    async rename(session: Session, credentialId: string, name: string): Promise<void> {
      await owner(session);
      await passkeys.rename(session.accountId, credentialId, name);
      await ledger.append({
        type: 'auth.passkey_renamed',
        actor: actorRef(session.actor),
        data: { accountId: session.accountId, credentialId },
      });
    },

    /** Removing a way to sign in is sensitive: it needs a fresh step-up. */
    async remove(session: Session, credentialId: string): Promise<void> {
      sessions.requireStepUp(session);
      await owner(session);
      await passkeys.remove(session.accountId, credentialId);
      await ledger.append({
        type: 'auth.passkey_removed',
        actor: actorRef(session.actor),
        data: { accountId: session.accountId, credentialId },
      });
    },

    /** Start a usernameless sign-in in `realm`: options for the browser and the handle of its challenge. */
    async signInOptions(
      realm: Realm,
    ): Promise<{ handle: string; expiresAt: number; options: PublicKeyCredentialRequestOptionsJSON }> {
      const { options, challenge } = await passkeys.authenticationOptions();
      const pending: PendingPasskeySignIn = { challenge, realm };
      const { handle, expiresAt } = await challenges.issue(
        'passkey.sign_in',
        pending,
        challenge.expiresAt - clock.now(),
      );
      return { handle, expiresAt, options };
    },

    /**
     * Finish a sign-in in `realm`. User verification is required, so the passkey is both factors: the
     * session is full at once. AUTH_INVALID, always the same, for anything wrong.
     */
    async signIn(
      realm: Realm,
      input: { handle: unknown; response: AuthenticationResponseJSON },
    ): Promise<IssuedSession> {
      const pending = await challenges.take<PendingPasskeySignIn>(input.handle, 'passkey.sign_in');
      let accountId: string;
      try {
        ({ accountId } = await passkeys.verifyAuthentication({
          response: input.response,
          expectedChallenge: pending?.realm === realm ? pending.challenge : undefined,
        }));
      } catch (error) {
        if (error instanceof CustosError && error.code === 'AUTH_INVALID')
          return refuseSignIn(realm, 'passkey_invalid');
        throw error;
      }
      const row = await accounts.byId(accountId);
      if (!row || row.realm !== realm) return refuseSignIn(realm, 'passkey_of_other_realm', accountId);
      if (row.status !== 'active') return refuseSignIn(realm, `account_${row.status}`, accountId);
      const issued = await sessions.issue(
        { id: row.id, realm, subjectId: row.subjectId },
        { secondFactor: true },
      );
      await ledger.append({
        type: 'auth.signed_in',
        actor: actorRef(issued.session.actor),
        data: { accountId: row.id, realm, method: 'passkey', sessionId: issued.session.id },
      });
      return issued;
    },
  };
}

export type AccountPasskeys = ReturnType<typeof createAccountPasskeys>;
