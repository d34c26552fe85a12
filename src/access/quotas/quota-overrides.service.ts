/**
 * Quota overrides: an administrator lowers one quota of one staff member at once (one whose reveals should
 * stop now), or asks for a raise (a clerk covering a busy counter), which security approves and which ends.
 *
 * Invariants: only a role the policy allows `staff_manage` sets an override or asks for a raise (a refusal
 * is ledgered by the gate); nobody changes their own quotas; a limit above the role's default is never set
 * by one person: it waits as a raise until someone of the approving role (the policy's `export_approve`:
 * security), independent of the requester and of the staff member it is for, approves it with a fresh
 * second factor; an approved raise lasts its hours (at most a week) and is announced to the approving
 * role. Every change is written only after its entry is durable; bad input is a 4xx with a code, and
 * nothing is written.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Announcements } from '../../identity/staff/announcements.ts';
import type { Independence } from '../../identity/staff/independence.ts';
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { AccessGate } from '../access-gate.ts';
import type { QuotaRaiseStore } from './quota-raises.store.ts';
import type { QuotaRaiseRecord } from './quota-raises.types.ts';
import { type QuotaName, quotaNames, type Quotas } from './quotas.ts';

/** The largest override: far above any role's default, small enough to be a limit still. */
export const MAX_QUOTA_OVERRIDE = 100_000;
/** How long an approved raise lasts unless asked for less, and at most. */
export const DEFAULT_RAISE_HOURS = 24;
export const MAX_RAISE_HOURS = 7 * 24;
/** A raise not decided within a day is dropped: ask again. */
const RAISE_DECISION_MS = 24 * 3600_000;

export interface QuotaRaiseView {
  id: string;
  staffId: string;
  quota: string;
  max: number;
  hours: number;
  requestedBy: string;
  status: string;
  decidedBy: string | null;
  createdAt: string;
}

const view = (r: QuotaRaiseRecord): QuotaRaiseView => ({
  id: r.id,
  staffId: r.staffId,
  quota: r.quota,
  max: r.max,
  hours: r.hours,
  requestedBy: r.requestedBy,
  status: r.status,
  decidedBy: r.decidedBy,
  createdAt: new Date(r.createdAt).toISOString(),
});

export type OverrideOutcome = { status: 'set' } | { status: 'pending'; raise: QuotaRaiseView };

export function createQuotaOverrides(deps: {
  quotas: Pick<Quotas, 'setOverride' | 'roleDefaults'>;
  gate: Pick<AccessGate, 'requireAction'>;
  staff: Pick<StaffDirectory, 'member'>;
  ledger: Pick<Ledger, 'record'>;
  raises: QuotaRaiseStore;
  sessions: Pick<Sessions, 'requireStepUp'>;
  independence: Independence;
  announcements: Pick<Announcements, 'announce'>;
  clock: Clock;
}) {
  const { quotas, gate, ledger, raises, clock } = deps;
  return {
    /**
     * Set `staffId`'s limit for `quota` to `max`, as `p`: at once when it is at or below the role's
     * default, else a pending raise for security to approve (lasting `hours` once approved).
     *
     * @example
     *   await overrides.setOverrideAs(admin, clerkId, 'reveal_day', 0); // no more reveals today
     */
    async setOverrideAs(
      p: StaffPrincipal,
      staffId: string,
      quota: string,
      max: number,
      hours: number = DEFAULT_RAISE_HOURS,
    ): Promise<OverrideOutcome> {
      await gate.requireAction(p, 'staff_manage');
      if (!(quotaNames as readonly string[]).includes(quota)) {
        throw new CustosError('VALIDATION_FAILED', `quota must be one of ${quotaNames.join(', ')}`);
      }
      if (!Number.isInteger(max) || max < 0 || max > MAX_QUOTA_OVERRIDE) {
        throw validationFailed([
          { path: 'max', problem: `must be an integer from 0 to ${MAX_QUOTA_OVERRIDE}` },
        ]);
      }
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_RAISE_HOURS) {
        throw validationFailed([{ path: 'hours', problem: `must be from 1 to ${MAX_RAISE_HOURS}` }]);
      }
      const member = await deps.staff.member(staffId);
      if (!member) throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
      if (member.id === p.staffId) throw new CustosError('SAME_PERSON', 'Nobody changes their own quotas');
      if (max <= quotas.roleDefaults(member.role)[quota as QuotaName]) {
        await ledger.record(
          { type: 'quota.set', actor: actorRef(p.actor), data: { staffId, quota, max } },
          () => quotas.setOverride(staffId, quota as QuotaName, max, p.staffId),
        );
        return { status: 'set' };
      }
      const now = clock.now();
      const raise: QuotaRaiseRecord = {
        id: uuidv7(now),
        staffId,
        quota,
        max,
        hours,
        requestedBy: p.staffId,
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        createdAt: now,
      };
      await ledger.record(
        {
          type: 'quota.raise_requested',
          actor: actorRef(p.actor),
          data: { raiseId: raise.id, staffId, quota, max, hours },
        },
        () => raises.insert(raise),
      );
      return { status: 'pending', raise: view(raise) };
    },

    /** Raises waiting for a decision (the approving role). */
    async pendingRaises(p: StaffPrincipal): Promise<QuotaRaiseView[]> {
      await gate.requireAction(p, 'export_approve');
      return (await raises.pending(clock.now() - RAISE_DECISION_MS)).map(view);
    },

    /**
     * The approving role decides on a raise (fresh step-up): an approver independent of the requester and
     * of the staff member it is for; approved, it is in force for its hours and announced.
     */
    async decideRaise(p: StaffPrincipal, id: string, approve: boolean): Promise<QuotaRaiseView> {
      deps.sessions.requireStepUp(p.session);
      await gate.requireAction(p, 'export_approve');
      const raise = isUuid(id) ? await raises.byId(id) : undefined;
      if (!raise) throw new CustosError('APPROVAL_NOT_FOUND', 'No such quota raise');
      const now = clock.now();
      if (raise.status !== 'pending' || now - raise.createdAt >= RAISE_DECISION_MS) {
        throw new CustosError('APPROVAL_NOT_PENDING', 'This quota raise was decided already or expired');
      }
      if (approve) await deps.independence.assertIndependent(p.staffId, [raise.requestedBy, raise.staffId]);
      const status = approve ? 'approved' : 'rejected';
      await ledger.record(
        {
          type: 'quota.raise_decided',
          actor: actorRef(p.actor),
          data: { raiseId: id, staffId: raise.staffId, approved: approve },
        },
        async () => {
          if (!(await raises.decide(id, { status, decidedBy: p.staffId, at: now }))) {
            throw new CustosError('APPROVAL_NOT_PENDING', 'This quota raise was decided already');
          }
          if (!approve) return;
          await quotas.setOverride(
            raise.staffId,
            raise.quota as QuotaName,
            raise.max,
            raise.requestedBy,
            now + raise.hours * 3600_000,
          );
          await deps.announcements.announce({
            role: p.role,
            kind: 'quota_raise.approved',
            subjectId: id,
            requestedBy: raise.requestedBy,
            decidedBy: p.staffId,
          });
        },
      );
      return view({ ...raise, status, decidedBy: p.staffId, decidedAt: now });
    },
  };
}

export type QuotaOverrides = ReturnType<typeof createQuotaOverrides>;
