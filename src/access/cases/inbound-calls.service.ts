/**
 * Inbound calls as evidence: the telephony system reports each call — the caller's number and the agent who
 * took it — through an integration endpoint with its own API token (`telephony` scope). Custos matches the
 * number through the phone blind index; a case of that customer whose agent took the call, opened up to
 * `CALL_BEFORE_CASE_MS` after it (or before it), has `inbound_call` evidence: the customer started it.
 *
 * The answer never says whether the number matched anyone (the same `202` either way), so the endpoint is no
 * phone-number oracle; each match is ledgered (`evidence.inbound_call`, by customer) ahead of being stored.
 */
import type { ApiTokenGrant } from '../../identity/api-tokens/api-tokens.ts';
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { validationFailed } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { CaseRecord } from './cases.types.ts';
import type { InboundCallStore } from './inbound-calls.store.ts';

/** A call explains a case opened up to this long after it (the agent opens the case while on the call). */
export const CALL_BEFORE_CASE_MS = 30 * 60_000;

export function createInboundCalls(deps: {
  store: InboundCallStore;
  vault: Pick<VaultService, 'search'>;
  staff: Pick<StaffDirectory, 'activeMember'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  return {
    /** Record a reported call; answers the same whether or not the number is a customer's. */
    async report(
      grant: ApiTokenGrant,
      input: { from: string; agentStaffId: string },
    ): Promise<{ callId: string }> {
      const agent = await deps.staff.activeMember(input.agentStaffId);
      if (!agent)
        throw validationFailed([{ path: 'agentStaffId', problem: 'is not an active staff member' }]);
      const matches = await deps.vault.search(grant.actor, 'phone', input.from);
      const at = clock.now();
      const callId = uuidv7(at);
      for (const customer of matches) {
        await ledger.record(
          {
            type: 'evidence.inbound_call',
            actor: actorRef(grant.actor),
            subject: customer.id,
            data: { callId, customerId: customer.id, agentStaffId: agent.id },
          },
          () =>
            store.insert([
              {
                id: uuidv7(at),
                customerId: customer.id,
                agentStaffId: agent.id,
                at,
                reportedBy: grant.tokenId,
              },
            ]),
        );
      }
      return { callId };
    },

    /** Did `staffId` take a call from the case's customer that explains this case (from before it opened on)? */
    explains(c: Pick<CaseRecord, 'customerId' | 'openedAt'>, staffId: string): Promise<boolean> {
      return store.taken(staffId, c.customerId, c.openedAt - CALL_BEFORE_CASE_MS, clock.now());
    },

    /** Did `staffId` take a call from this customer since `since` (a contact the customer started)? */
    tookCallSince(staffId: string, customerId: string, since: number): Promise<boolean> {
      return store.taken(staffId, customerId, since, clock.now());
    },
  };
}

export type InboundCalls = ReturnType<typeof createInboundCalls>;
