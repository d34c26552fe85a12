/**
 * Quotas: how much a staff member may look up and reveal, counted where harvesting shows — searches per
 * hour, and reveals in DISTINCT customers per hour, day and week at once (a second field of a customer
 * already revealed in a window costs nothing there; a new customer costs one in every window). Defaults
 * per role, overrides per staff member.
 *
 * What is counted is the ledger: a search is its `customer.searched` entry, a reveal its `customer.revealed`
 * entry (subject = the customer). An act counts exactly when it is durably recorded, and costs no write of
 * its own on the hot path.
 *
 * Invariant: a check and the act it allows are one step per staff member (the caller runs both in the
 * staff member's queue, the act's entry durable before the next check), so parallel requests cannot all
 * pass the same last unit of quota. Across API nodes the same staff member could exceed a limit by the
 * number of nodes at most.
 */
import type { StaffRole } from '../identity/staff.store.ts';
import type { Clock } from '../platform/clock.ts';
import { CustosError } from '../platform/errors.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { QuotaOverrideStore } from './quota-overrides.store.ts';

export const quotaNames = ['search_hour', 'reveal_hour', 'reveal_day', 'reveal_week'] as const;
export type QuotaName = (typeof quotaNames)[number];
export type QuotaLimits = Record<QuotaName, number>;

const HOUR = 3600_000;
export const quotaWindows: Record<QuotaName, number> = {
  search_hour: HOUR,
  reveal_hour: HOUR,
  reveal_day: 24 * HOUR,
  reveal_week: 7 * 24 * HOUR,
};
const revealQuotas = ['reveal_hour', 'reveal_day', 'reveal_week'] as const;

/**
 * Defaults per role, sized for a front-line shift: a store clerk serves perhaps 30 customers a day and
 * reveals a field for a fraction of them. Roles that never search or reveal get zero; an administrator's
 * reveals happen only under break-glass and stay few.
 */
export const defaultQuotas: Record<StaffRole, QuotaLimits> = {
  store: { search_hour: 40, reveal_hour: 10, reveal_day: 40, reveal_week: 150 },
  support: { search_hour: 60, reveal_hour: 15, reveal_day: 60, reveal_week: 200 },
  contractor: { search_hour: 30, reveal_hour: 8, reveal_day: 30, reveal_week: 100 },
  marketing: { search_hour: 0, reveal_hour: 0, reveal_day: 0, reveal_week: 0 },
  security: { search_hour: 0, reveal_hour: 0, reveal_day: 0, reveal_week: 0 },
  admin: { search_hour: 0, reveal_hour: 3, reveal_day: 5, reveal_week: 10 },
};

export interface QuotaStaff {
  staffId: string;
  role: StaffRole;
}

function exceeded(quota: QuotaName, limit: number): CustosError {
  return new CustosError(
    'QUOTA_EXCEEDED',
    `Quota ${quota} reached (${limit}): ask your manager or security`,
    {
      details: [{ path: quota, problem: `limit ${limit}` }],
    },
  );
}

const actorOf = (staff: QuotaStaff) => `staff:${staff.staffId}`;

export function createQuotas(deps: {
  store: QuotaOverrideStore;
  ledger: Pick<Ledger, 'distinctSubjectsSince' | 'countSince'>;
  clock: Clock;
  defaults?: Record<StaffRole, QuotaLimits>;
}) {
  const { store, ledger, clock } = deps;
  const defaults = deps.defaults ?? defaultQuotas;

  async function limitsFor(staff: QuotaStaff): Promise<QuotaLimits> {
    const limits = { ...defaults[staff.role] };
    for (const o of await store.overrides(staff.staffId)) {
      if ((quotaNames as readonly string[]).includes(o.quota)) limits[o.quota as QuotaName] = Number(o.max);
    }
    return limits;
  }

  return {
    limitsFor,

    /** Throws QUOTA_EXCEEDED when one more search would pass the hourly limit. */
    async checkSearch(staff: QuotaStaff): Promise<void> {
      const limit = (await limitsFor(staff)).search_hour;
      const since = clock.now() - quotaWindows.search_hour;
      if ((await ledger.countSince(actorOf(staff), 'customer.searched', since)) >= limit) {
        throw exceeded('search_hour', limit);
      }
    },

    /** Throws QUOTA_EXCEEDED when revealing `customerId` would pass any window's limit. */
    async checkReveal(staff: QuotaStaff, customerId: string): Promise<void> {
      const now = clock.now();
      const limits = await limitsFor(staff);
      const windows = await ledger.distinctSubjectsSince(
        actorOf(staff),
        'customer.revealed',
        revealQuotas.map((quota) => now - quotaWindows[quota]),
        customerId,
      );
      revealQuotas.forEach((quota, i) => {
        const { count, includes } = windows[i] as { count: number; includes: boolean };
        if (!includes && count >= limits[quota]) throw exceeded(quota, limits[quota]);
      });
    },

    async setOverride(staffId: string, quota: QuotaName, max: number, by: string): Promise<void> {
      await store.setOverride({ staff_id: staffId, quota, max, set_by: by, set_at: clock.now() });
    },
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
