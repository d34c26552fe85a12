/**
 * Quotas: how much a staff member may look up and reveal, counted where harvesting shows — searches per
 * hour, and reveals in DISTINCT customers per hour, day and week at once (a second field of a customer
 * already revealed in a window costs nothing there; a new customer costs one in every window). Defaults
 * per role, overrides per staff member.
 *
 * Invariant: a check and the use it allows are one step per staff member (the caller runs them in the
 * staff member's queue), so parallel requests cannot all pass the same last unit of quota.
 */
import type { StaffRole } from '../identity/staff.store.ts';
import type { Clock } from '../platform/clock.ts';
import { CustosError } from '../platform/errors.ts';
import type { UsageStore } from './usage.store.ts';

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

export function createQuotas(deps: {
  store: UsageStore;
  clock: Clock;
  defaults?: Record<StaffRole, QuotaLimits>;
}) {
  const { store, clock } = deps;
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

    /** Throws QUOTA_EXCEEDED when one more search would pass the hourly limit; otherwise counts it. */
    async useSearch(staff: QuotaStaff): Promise<void> {
      const now = clock.now();
      const limit = (await limitsFor(staff)).search_hour;
      const used = await store.searchesSince(staff.staffId, now - quotaWindows.search_hour);
      if (used >= limit) throw exceeded('search_hour', limit);
      await store.insertSearch(staff.staffId, now);
    },

    /**
     * Throws QUOTA_EXCEEDED when revealing `customerId` would pass any window's limit. Does not count the
     * reveal: the caller records it once the reveal is ledgered.
     */
    async checkReveal(staff: QuotaStaff, customerId: string): Promise<void> {
      const now = clock.now();
      const limits = await limitsFor(staff);
      const rows = await store.revealsSince(staff.staffId, now - quotaWindows.reveal_week);
      for (const quota of revealQuotas) {
        const since = now - quotaWindows[quota];
        const customers = new Set(rows.filter((r) => r.at >= since).map((r) => r.customer_id));
        if (!customers.has(customerId) && customers.size >= limits[quota])
          throw exceeded(quota, limits[quota]);
      }
    },

    async setOverride(staffId: string, quota: QuotaName, max: number, by: string): Promise<void> {
      await store.setOverride({ staff_id: staffId, quota, max, set_by: by, set_at: clock.now() });
    },
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
