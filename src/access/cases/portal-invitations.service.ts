/**
 * Portal invitations as staff ask for them: through a case, by a channel. Staff reach a customer only
 * through a case, so the customer invited is always the case's customer, and the inviter must be allowed to
 * `view` them through it (the same check as the masked record). Staff name a channel (`email` or `phone`),
 * never an address: identity binds the login to the customer's contact on file, and the token goes to that
 * contact through the privacy outbox.
 *
 * Invariants: no invitation without a fresh step-up and a case the inviter may view; the token never
 * reaches staff; the answer is the same whatever came of the request (invited, no such contact on file,
 * an account already there), so the route confirms nothing about the customer's contacts — the outcome
 * is ledgered (`portal_invitation.requested`) for the customer's history and for security.
 */
import type { Invitations } from '../../identity/accounts/invitations.service.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Outbox } from '../../privacy/outbox/outbox.service.ts';
import type { AccessGate } from '../access-gate.ts';
import type { Cases } from './cases.service.ts';

export const invitationChannels = ['email', 'phone'] as const;
export type InvitationChannel = (typeof invitationChannels)[number];

/** What the inviter is told: the request was taken, by which channel. Nothing about the customer. */
export interface PortalInvitationRequest {
  channel: InvitationChannel;
  status: 'requested';
}

const ACTION = 'portal_invite';

export function createPortalInvitations(deps: {
  cases: Pick<Cases, 'viewable'>;
  gate: Pick<AccessGate, 'allowed'>;
  invitations: Pick<Invitations, 'inviteCustomer'>;
  outbox: Pick<Outbox, 'queue'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
}) {
  const { cases, gate, invitations } = deps;
  return {
    /**
     * Have the customer of `caseId` invited to the privacy portal by their `channel` on file.
     *
     * @example
     *   await invitations.invite(p, caseId, 'email'); // → { channel: 'email', status: 'requested' }
     */
    async invite(
      p: StaffPrincipal,
      caseId: string,
      channel: InvitationChannel,
    ): Promise<PortalInvitationRequest> {
      deps.sessions.requireStepUp(p.session);
      const c = await cases.viewable(p, caseId);
      const customerId = c.customerId;
      const invited = await invitations.inviteCustomer(p.session, { customerId, channel });
      if (invited.outcome === 'invited') {
        await deps.outbox.queue(p.actor, {
          customerId,
          channel: channel === 'phone' ? 'sms' : 'email',
          kind: 'portal_invitation',
          params: { token: invited.invitationToken, expiresAt: new Date(invited.expiresAt).toISOString() },
        });
      }
      await deps.ledger.append({
        type: 'portal_invitation.requested',
        actor: actorRef(p.actor),
        subject: customerId,
        data: { caseId, customerId, channel, outcome: invited.outcome },
      });
      gate.allowed(p, ACTION, { caseId, customerId, breakGlass: c.breakGlass });
      return { channel, status: 'requested' };
    },
  };
}

export type PortalInvitations = ReturnType<typeof createPortalInvitations>;
