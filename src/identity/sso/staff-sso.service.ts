/**
 * Staff sign-in through the organisation's identity provider (OpenID Connect), end to end: the pending sign-in
 * kept server-side as an auth challenge, the callback redeemed, the staff member provisioned on first
 * sign-in and their role kept in step with the IdP's groups, and a session issued.
 *
 * Policy: Custos requires the IdP to have used a second factor. An ID token whose `amr`/`acr` show none is
 * refused with IDP_SECOND_FACTOR_REQUIRED, since a password-only IdP login would otherwise reach customer
 * data on one factor. With one, the session's second factor counts as done; step-up (valid 5 minutes) is
 * satisfied only when the IdP's second factor was recent (`auth_time` within 5 minutes) — to step up later,
 * sign in again at the IdP.
 *
 * Invariants: an identity is keyed on issuer + subject, never on email; an existing password account with the
 * same email is never taken over (refused: an administrator must decide); a suspended account stays out;
 * every sign-in, refusal, provisioning and role change is in the ledger.
 */
import { normaliseEmail } from '../../crypto/normalise.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { AccountStore } from '../accounts/accounts.store.ts';
import type { AuthChallenges } from '../sign-in/auth-challenges.ts';
import type { OidcSignIn, PendingSignIn, StaffSignIn } from './oidc.ts';
import type { IssuedSession, Sessions } from '../sessions/sessions.ts';
import type { SsoIdentityStore } from './sso-identities.store.ts';

/** How long a started sign-in may take at the IdP. */
export const PENDING_TTL_MS = 10 * 60_000;
/** Provisioned staff get these until someone assigns them properly. */
const UNASSIGNED = 'unassigned';

export function createStaffSso(deps: {
  sso: OidcSignIn;
  issuer: string;
  challenges: AuthChallenges;
  store: SsoIdentityStore;
  accounts: Pick<AccountStore, 'byLogin'>;
  sessions: Pick<Sessions, 'issue'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
}) {
  const { sso, issuer, challenges, store, ledger, clock } = deps;

  async function refuse(error: CustosError, reason: string, accountId?: string): Promise<never> {
    await ledger.append({
      type: 'auth.sign_in_failed',
      actor: 'anonymous',
      data: { realm: 'staff', reason, ...(accountId ? { accountId } : {}) },
    });
    throw error;
  }

  /** The staff account for this IdP identity: linked before, or provisioned now. */
  async function accountFor(person: StaffSignIn): Promise<{ accountId: string; staffId: string }> {
    const linked = await store.linked(issuer, person.subject);
    if (linked) {
      if (linked.accountStatus !== 'active') {
        return refuse(
          new CustosError('ACCOUNT_SUSPENDED', 'This account cannot sign in'),
          `account_${linked.accountStatus}`,
          linked.accountId,
        );
      }
      if (linked.role !== person.role) {
        await store.setRole(linked.staffId, person.role, clock.now());
        await ledger.append({
          type: 'staff.role_changed',
          actor: `idp:${issuer}`,
          subject: linked.staffId,
          data: {
            staffId: linked.staffId,
            accountId: linked.accountId,
            from: linked.role,
            to: person.role,
            via: 'oidc',
          },
        });
      }
      await store.recordSignIn(issuer, person.subject, clock.now());
      return { accountId: linked.accountId, staffId: linked.staffId };
    }

    const email = normaliseEmail(person.email);
    if (!email)
      return refuse(new CustosError('AUTH_INVALID', 'The IdP released no usable email'), 'oidc_email');
    if (await deps.accounts.byLogin('staff', email)) {
      return refuse(
        new CustosError(
          'FORBIDDEN',
          'A Custos staff account with this email already signs in with a password; an administrator must link it',
        ),
        'oidc_login_taken',
      );
    }
    const now = clock.now();
    const staffId = uuidv7(now);
    const accountId = uuidv7(now);
    const displayName = person.name ?? email;
    await store.provision({
      issuer,
      subject: person.subject,
      staff: {
        id: staffId,
        displayName,
        email,
        role: person.role,
        region: UNASSIGNED,
        site: UNASSIGNED,
        managerId: null,
        shift: UNASSIGNED,
        status: 'active',
        createdAt: now,
      },
      account: {
        id: accountId,
        realm: 'staff',
        subjectId: staffId,
        login: email,
        displayName,
        displaySealed: null,
        passwordHash: null,
        status: 'active',
        // The second factor is the IdP's, required below on every sign-in.
        enrolledAt: now,
        createdAt: now,
        updatedAt: now,
      },
    });
    await ledger.append({
      type: 'account.provisioned',
      actor: `idp:${issuer}`,
      subject: staffId,
      data: { accountId, realm: 'staff', subjectId: staffId, via: 'oidc' },
    });
    return { accountId, staffId };
  }

  return {
    /** Begin: where to send the browser, and the handle of the pending sign-in (for an HttpOnly cookie). */
    async start(): Promise<{ url: URL; handle: string; expiresAt: number }> {
      const { url, pending } = await sso.start();
      const { handle, expiresAt } = await challenges.issue('oidc', pending, PENDING_TTL_MS);
      return { url, handle, expiresAt };
    },

    /** The IdP sent the browser back: check everything, provision if new, and issue a staff session. */
    async finish(input: { handle: unknown; callbackUrl: string }): Promise<IssuedSession> {
      const pending = await challenges.take<PendingSignIn>(input.handle, 'oidc');
      if (!pending) {
        return refuse(
          new CustosError('AUTH_INVALID', 'The sign-in attempt is not valid; start again'),
          'oidc_no_pending_sign_in',
        );
      }
      let person: StaffSignIn;
      try {
        person = await sso.finish({ callbackUrl: input.callbackUrl, pending });
      } catch (error) {
        if (error instanceof CustosError && error.isClientError)
          return refuse(error, `oidc_${error.code.toLowerCase()}`);
        throw error;
      }
      if (!person.usedSecondFactor) {
        return refuse(
          new CustosError(
            'IDP_SECOND_FACTOR_REQUIRED',
            'Custos requires a second factor at your identity provider: sign in there with one',
          ),
          'idp_no_second_factor',
        );
      }
      const { accountId, staffId } = await accountFor(person);
      const issued = await deps.sessions.issue(
        { id: accountId, realm: 'staff', subjectId: staffId },
        { secondFactor: true, stepUp: person.recentSecondFactor },
      );
      await ledger.append({
        type: 'auth.signed_in',
        actor: actorRef(issued.session.actor),
        data: { accountId, realm: 'staff', method: 'oidc', sessionId: issued.session.id },
      });
      return issued;
    },
  };
}

export type StaffSso = ReturnType<typeof createStaffSso>;
