/**
 * Invitations: how an account comes to exist. An administrator invites a staff member; a staff member, through
 * a case, has a customer invited to the privacy portal by a channel (email or phone), and the login is the
 * customer's contact on file for it (stored only as its keyed index, portal-logins.ts). Either way the invitee
 * gets a single-use token (7 days), chooses a password with it, and then must enrol a second factor.
 *
 * Invariants: only the token's hash is stored; an invitation is accepted once, in its own realm only; a
 * refused password does not use it up; every invitation is ledgered. A staff member records who invited
 * them (the token's owner; null for the operator). A privileged role (admin, security) invited by an
 * administrator's token waits for a second administrator (`staff/role-grants.ts`); the operator's tokens
 * grant one only during setup.
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
import type { PortalLogins } from './portal-logins.ts';
import type { IssuedSession, Realm, Session, Sessions } from '../sessions/sessions.ts';
import type { StaffDirectory } from '../staff/staff-directory.ts';
import { isPrivilegedRole, type StaffRole, staffRoles } from '../staff/staff.types.ts';
import type { ApiTokenGrant } from '../api-tokens/api-tokens.ts';

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

/** The customer's side of a portal invitation: which customer, and by which of their contacts on file. */
export interface CustomerInvitation {
  customerId: string;
  channel: 'email' | 'phone';
}

/**
 * What came of a portal invitation: a token to deliver to the contact on file (never to staff), or why
 * nothing is to be sent. The caller must answer staff the same whatever came of it.
 */
export type CustomerInvitationOutcome =
  | { outcome: 'invited'; accountId: string; invitationToken: string; expiresAt: number }
  | { outcome: 'no_contact' | 'has_account' | 'login_taken' };

/** What identity needs to know about customers (the vault implements it): their contact on file. */
export interface CustomerContacts {
  /** The customer's own email or phone on file (normalised), or null; for binding a portal login to it. */
  contactOf(customerId: string, channel: 'email' | 'phone'): Promise<string | null>;
}

export function createInvitations(deps: {
  store: AccountStore;
  staff: Pick<StaffDirectory, 'add'>;
  sessions: Pick<Sessions, 'issue' | 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  customers: CustomerContacts;
  portalLogins: Pick<PortalLogins, 'index' | 'seal' | 'contactOf'>;
  /** Whether the operator may still make administrators (role-grants.ts). */
  setupOpen: () => Promise<boolean>;
}) {
  const { store, sessions, ledger, clock, portalLogins } = deps;

  /** A single-use invitation for an account just created; the token is returned once, only its hash kept. */
  async function invite(
    by: Actor,
    account: { id: string; realm: Realm; subjectId: string },
    staff?: { role: string; pending: boolean },
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
      data: { accountId: account.id, realm: account.realm, subjectId: account.subjectId, ...staff },
    });
    return invitationToken;
  }

  return {
    /**
     * An administrator's (or the operator's) token invites a staff member; the returned token goes into the
     * invitation link, once. A privileged role is `pending` until a second administrator approves, or
     * refused (SETUP_CLOSED) from an operator token once setup has ended.
     */
    async inviteStaff(
      by: ApiTokenGrant,
      input: StaffInvitation,
    ): Promise<{ staffId: string; accountId: string; invitationToken: string; pending: boolean }> {
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
      const privileged = isPrivilegedRole(input.role);
      const invitedBy = by.kind === 'staff' ? by.ownerStaffId : null;
      if (privileged && invitedBy === null && !(by.scopes.includes('setup') && (await deps.setupOpen()))) {
        throw new CustosError(
          'SETUP_CLOSED',
          'Setup has ended: an administrator invites admin and security staff, and a second one approves',
        );
      }
      const pending = privileged && invitedBy !== null;
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
          status: pending ? 'pending_approval' : 'active',
          createdAt: now,
          invitedBy,
          roleGrantedAt: now,
        },
      ]);
      await store.insertAccount({
        id: accountId,
        realm: 'staff',
        subjectId: staffId,
        login: email as string,
        displayName: input.displayName.trim(),
        displaySealed: null,
        passwordHash: null,
        status: 'invited',
        enrolledAt: null,
        createdAt: now,
        updatedAt: now,
      });
      const invitationToken = await invite(
        by.actor,
        { id: accountId, realm: 'staff', subjectId: staffId },
        { role: input.role, pending },
      );
      return { staffId, accountId, invitationToken, pending };
    },

    /**
     * A staff member (full session, fresh step-up) invites a customer to the privacy portal by a channel.
     * The login is the customer's own email or phone on file, read here — staff never give or see it — so
     * the account can only ever be bound to a contact the customer gave; the token goes back to the caller
     * for delivery to that contact through the outbox, never to staff. Which customer a staff member may
     * invite is access's decision (through a case), made before this is called. An invited account not yet
     * signed up for is invited again (a new token; the old stays valid until it expires).
     */
    async inviteCustomer(session: Session, input: CustomerInvitation): Promise<CustomerInvitationOutcome> {
      if (session.realm !== 'staff') throw new CustosError('FORBIDDEN', 'Only staff can invite customers');
      sessions.requireStepUp(session);
      const contact = await deps.customers.contactOf(input.customerId, input.channel);
      const normalised =
        contact === null
          ? null
          : input.channel === 'email'
            ? normaliseEmail(contact)
            : normalisePhone(contact);
      if (!normalised) return { outcome: 'no_contact' };
      // Stored as its keyed index; the contact itself only sealed under the customer's key.
      const login = portalLogins.index(normalised);
      const now = clock.now();
      const existing = await store.bySubject('customer', input.customerId);
      if (existing && (existing.status !== 'invited' || existing.login !== login))
        return { outcome: 'has_account' };
      const holder = await store.byLogin('customer', login);
      if (holder && holder.subjectId !== input.customerId) return { outcome: 'login_taken' };
      const accountId = existing?.id ?? uuidv7(now);
      if (!existing) {
        const displaySealed = await portalLogins.seal(input.customerId, normalised);
        if (!displaySealed) return { outcome: 'no_contact' };
        await store.insertAccount({
          id: accountId,
          realm: 'customer',
          subjectId: input.customerId,
          login,
          displayName: '',
          displaySealed,
          passwordHash: null,
          status: 'invited',
          enrolledAt: null,
          createdAt: now,
          updatedAt: now,
        });
      }
      const invitationToken = await invite(session.actor, {
        id: accountId,
        realm: 'customer',
        subjectId: input.customerId,
      });
      return { outcome: 'invited', accountId, invitationToken, expiresAt: now + INVITATION_TTL_MS };
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
      const contact = await portalLogins.contactOf(row);
      assertAcceptablePassword(password, {
        login: contact,
        displayName: row.realm === 'customer' ? contact : row.displayName,
      });
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
