/**
 * Independence of an approver: the one check every four-eyes approval passes (policy changes, exports,
 * reveal approvals, quota raises, privileged roles). Four eyes mean two people; one administrator with a
 * second account is one person. So an approver must be
 *
 * - not one of the parties (the requester, or whom the act is for),
 * - on no invitation chain with a party: neither invited or approved, directly or through others, by a
 *   party, nor a party's inviter or approver (an account someone brought in is theirs until proven
 *   otherwise, and so is an account that brought someone in),
 * - not in a privileged role (admin, security) granted less than the cooling-off period ago: a
 *   sockpuppet made today cannot approve today, and meanwhile its grant is announced to the role.
 *
 * The chain is `invitedBy` and `roleApprovedBy` in the staff directory; the operator, the IdP's group
 * mapping and the demo organisation are the roots (null). Refusals are 403s with their own codes, and are
 * ledgered (`access.denied`, action `approve`): an approval tried across a chain is worth a watcher's look.
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, isCustosError } from '../../platform/errors.ts';
import type { StaffStore } from './staff.store.ts';
import { isPrivilegedRole, type StaffMember } from './staff.types.ts';

/** How far up a chain is followed; a longer chain (or a cycle made by a direct edit) is refused. */
const MAX_CHAIN = 64;

export interface Independence {
  /**
   * Throws unless `approverId` may approve an act of `parties` (the requester first; null for the
   * operator): SAME_PERSON, APPROVER_NOT_INDEPENDENT or APPROVER_COOLING_OFF.
   *
   * @example
   *   await independence.assertIndependent(p.staffId, [exportRequest.requestedBy]);
   */
  assertIndependent(approverId: string, parties: (string | null)[]): Promise<void>;
}

export function createIndependence(deps: {
  store: Pick<StaffStore, 'byId'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  coolingOffMs: number;
}): Independence {
  const { store, clock } = deps;

  /** Everyone above `id` on the invitation chain (inviters and approvers, transitively). */
  async function above(id: string): Promise<Set<string>> {
    const seen = new Set<string>();
    const queue = [id];
    while (queue.length > 0) {
      const member = await store.byId(queue.shift() as string);
      for (const next of [member?.invitedBy, member?.roleApprovedBy]) {
        if (!next || seen.has(next)) continue;
        if (seen.size >= MAX_CHAIN) {
          throw new CustosError('APPROVER_NOT_INDEPENDENT', 'The invitation chain is too long to check');
        }
        seen.add(next);
        queue.push(next);
      }
    }
    return seen;
  }

  function grantedAt(member: StaffMember): number {
    return member.roleGrantedAt ?? member.createdAt;
  }

  async function check(approverId: string, parties: (string | null)[]): Promise<void> {
    const named = parties.filter((p): p is string => typeof p === 'string');
    if (named.includes(approverId)) {
      throw new CustosError('SAME_PERSON', 'A second person must approve this');
    }
    const approver = await store.byId(approverId);
    if (!approver) throw new CustosError('APPROVER_NOT_INDEPENDENT', 'The approver is not in the directory');
    const approverChain = await above(approverId);
    for (const party of named) {
      if (approverChain.has(party) || (await above(party)).has(approverId)) {
        throw new CustosError(
          'APPROVER_NOT_INDEPENDENT',
          'You are on the same invitation chain as the requester: an independent colleague must approve',
        );
      }
    }
    if (isPrivilegedRole(approver.role) && clock.now() - grantedAt(approver) < deps.coolingOffMs) {
      const hours = Math.ceil(deps.coolingOffMs / 3600_000);
      throw new CustosError(
        'APPROVER_COOLING_OFF',
        `Your role was granted less than ${hours} hours ago: you cannot approve yet`,
      );
    }
  }

  return {
    async assertIndependent(approverId, parties) {
      try {
        await check(approverId, parties);
      } catch (error) {
        if (isCustosError(error)) {
          await deps.ledger.append({
            type: 'access.denied',
            actor: `staff:${approverId}`,
            data: { action: 'approve', code: error.code },
          });
        }
        throw error;
      }
    },
  };
}
