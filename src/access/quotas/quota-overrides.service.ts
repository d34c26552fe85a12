/**
 * Quota overrides: an administrator raises or lowers one quota of one staff member (a clerk covering a
 * busy counter, or one whose reveals should stop at once).
 *
 * Invariants: only a role the policy allows `staff_manage` sets an override (a refusal is ledgered by the
 * gate); the override is written only after its `quota.set` entry is durable; an unknown quota, a bad
 * limit or an unknown staff member is a 4xx with a code, and nothing is written.
 */
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import type { AccessGate } from '../access-gate.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { type QuotaName, quotaNames, type Quotas } from './quotas.ts';

/** The largest override: far above any role's default, small enough to be a limit still. */
export const MAX_QUOTA_OVERRIDE = 100_000;

export function createQuotaOverrides(deps: {
  quotas: Pick<Quotas, 'setOverride'>;
  gate: Pick<AccessGate, 'requireAction'>;
  staff: Pick<StaffDirectory, 'member'>;
  ledger: Pick<Ledger, 'record'>;
}) {
  const { quotas, gate, ledger } = deps;
  return {
    /**
     * Set `staffId`'s limit for `quota` to `max`, as `p`.
     *
     * @example
     *   await overrides.setOverrideAs(admin, clerkId, 'reveal_day', 0); // no more reveals today
     */
    async setOverrideAs(p: StaffPrincipal, staffId: string, quota: string, max: number): Promise<void> {
      await gate.requireAction(p, 'staff_manage');
      if (!(quotaNames as readonly string[]).includes(quota)) {
        throw new CustosError('VALIDATION_FAILED', `quota must be one of ${quotaNames.join(', ')}`);
      }
      if (!Number.isInteger(max) || max < 0 || max > MAX_QUOTA_OVERRIDE) {
        throw validationFailed([
          { path: 'max', problem: `must be an integer from 0 to ${MAX_QUOTA_OVERRIDE}` },
        ]);
      }
      if (!(await deps.staff.member(staffId)))
        throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
      await ledger.record(
        { type: 'quota.set', actor: actorRef(p.actor), data: { staffId, quota, max } },
        () => quotas.setOverride(staffId, quota as QuotaName, max, p.staffId),
      );
    },
  };
}

export type QuotaOverrides = ReturnType<typeof createQuotaOverrides>;
