/**
 * Invitations: how an account comes to exist. An administrator invites a staff member; a staff member, through
 * a case, invites a customer to the privacy portal by a contact the customer gave. Either way the invitee
 * gets a single-use token (7 days), chooses a password with it, and then must enrol a second factor.
 *
 * Invariants: only the token's hash is stored; an invitation is accepted once, in its own realm only; a
 * refused password does not use it up; every invitation is ledgered.
 */
import { tokenHash } from '../../crypto/token-hash.ts';
import { secureRandom } from '../../crypto/random.ts';
import { normaliseEmail, normalisePhone } from '../../crypto/normalise.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { AccountStore } from './accounts.store.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import type { IssuedSession, Realm, Session, Sessions } from '../sessions/sessions.ts';
import type { StaffDirectory } from '../staff/staff-directory.ts';
import { type StaffRole, staffRoles } from '../staff/staff.types.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface StaffInvitation {
  email: string;
  displayName: string;
  role: string;
  region: string;
  site: string;
  shift: string;
  managerId?: string | null;
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

export function createInvitations(deps: {
  store: AccountStore;
  staff: Pick<StaffDirectory, 'add'>;
  sessions: Pick<Sessions, 'issue' | 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  customers: CustomerContacts;
}) {
  const { store, sessions, ledger, clock } = deps;

  /** A single-use invitation for an account just created; the token is returned once, only its hash kept. */
  async function invite(
    by: Actor,
    account: { id: string; realm: Realm; subjectId: string },
  ): Promise<string> {
    const now = clock.now();
    const invitationToken = secureRandom(32).toString('base64url');
    await store.insertInvitation({
      tokenHash: tokenHash(invitationToken),
      accountId: account.id,
      expiresAt: now + INVITATION_TTL_MS,
      usedAt: null,
      createdAt: now,
    });
    await ledger.append({
      type: 'account.invited',
      actor: actorRef(by),
      subject: account.subjectId,
      data: { accountId: account.id, realm: account.realm, subjectId: account.subjectId },
    });
    return invitationToken;
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
      await deps.staff.add([
        {
          id: staffId,
          displayName: input.displayName.trim(),
          email: email as string,
          role: input.role as StaffRole,
          region: input.region,
          site: input.site,
          managerId: input.managerId ?? null,
          shift: input.shift,
          status: 'active',
          createdAt: now,
        },
      ]);
      await store.insertAccount({
        id: accountId,
        realm: 'staff',
        subjectId: staffId,
        login: email as string,
        displayName: input.displayName.trim(),
        passwordHash: null,
        status: 'invited',
        enrolledAt: null,
        createdAt: now,
        updatedAt: now,
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
        subjectId: input.customerId,
        login,
        displayName: login,
        passwordHash: null,
        status: 'invited',
        enrolledAt: null,
        createdAt: now,
        updatedAt: now,
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
      const row = await store.byId(pending);
      if (!row) throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      // A staff invitation is accepted only on the staff route and a customer's only on the portal's, so
      // neither can be turned into a session of the other realm; it stays unused for its own route.
      if (row.realm !== realm)
        throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      // Check the password before using up the invitation, so a refused password can be retried.
      assertAcceptablePassword(password, { login: row.login, displayName: row.displayName });
      const passwordHash = await hashPassword(password);
      if ((await store.useInvitation(hash, clock.now())) !== row.id) {
        throw new CustosError('INVITATION_INVALID', 'This invitation is not valid (used or expired)');
      }
      await store.update(row.id, { passwordHash, status: 'active', updatedAt: clock.now() });
      return sessions.issue(
        { id: row.id, realm: row.realm, subjectId: row.subjectId },
        { secondFactor: false },
      );
    },
  };
}

export type Invitations = ReturnType<typeof createInvitations>;
