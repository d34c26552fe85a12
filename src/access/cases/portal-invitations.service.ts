/**
 * Portal invitations as staff send them: through a case. Staff reach a customer only through a case, so the
 * customer invited is always the case's customer, and the inviter must be allowed to `view` them through it
 * (the same check as the masked record). Identity keeps the account logic: the login must be the customer's
 * own email or phone on file, the token is shown once, `account.invited` is ledgered.
 *
 * Invariants: no invitation without a fresh step-up and a case the inviter may view; the one bit an
 * invitation answers (is this login the customer's contact?) is asked only of a case's own customer, and a
 * refused attempt is ledgered as `access.denied` so repeated guessing shows.
 */
import type { Invitations } from '../../identity/accounts/invitations.service.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import { CustosError } from '../../platform/errors.ts';
import type { AccessGate } from '../access-gate.ts';
import type { Cases } from './cases.service.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';

/** What the inviter gets: ids and a one-time token, no personal data. */
export interface PortalInvitation {
  accountId: string;
  invitationToken: string;
  expiresAt: number;
}

const ACTION = 'portal_invite';

export function createPortalInvitations(deps: {
  cases: Pick<Cases, 'viewable'>;
  gate: Pick<AccessGate, 'allowed' | 'refuse'>;
  invitations: Pick<Invitations, 'inviteCustomer'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
}) {
  const { cases, gate, invitations } = deps;
  return {
    /**
     * Invite the customer of `caseId` to the privacy portal by their own `login` (email or phone on file).
     *
     * @example
     *   const { invitationToken } = await invitations.invite(p, caseId, 'li.na@example.com');
     */
    async invite(p: StaffPrincipal, caseId: string, login: string): Promise<PortalInvitation> {
      deps.sessions.requireStepUp(p.session);
      const c = await cases.viewable(p, caseId);
      const customerId = c.customerId;
      try {
        const invited = await invitations.inviteCustomer(p.session, { customerId, login });
        gate.allowed(p, ACTION, { caseId, customerId, breakGlass: c.breakGlass });
        return invited;
      } catch (error) {
        if (error instanceof CustosError && error.isClientError) {
          await gate.refuse(p, ACTION, error.code, { caseId, customerId });
        }
        throw error;
      }
    },
  };
}

export type PortalInvitations = ReturnType<typeof createPortalInvitations>;
