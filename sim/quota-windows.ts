/**
 * The real quotas' arithmetic, in memory: what src/access/quotas/quotas.ts asks of the ledger, per staff
 * member. Searches per hour and per day are counts of admitted searches; reveals are DISTINCT customers per
 * hour, day and week (a customer already revealed in a window costs nothing there). A window is `[at −
 * length, at]`, as the ledger's `countSince`/`distinctSubjectsSince` count `at >= since`. The limits come
 * from `defaultQuotas`, halved (at least 1) when the watcher's tier is above `normal` (`limitsAt`).
 */
import {
  defaultQuotas,
  type QuotaLimits,
  type QuotaName,
  quotaWindows,
  staffInitiatedBudget,
} from '../src/access/quotas/quotas.ts';

const DAY = 86_400_000;
import type { RiskTier } from '../src/watch/risk/risk.types.ts';
import type { SimRole } from './organisation.ts';

/** A role's limits at a tier: the defaults, every one halved (at least 1) above `normal`, as `limitsFor` does. */
export function limitsAt(role: SimRole, tier: RiskTier): QuotaLimits {
  const limits = { ...defaultQuotas[role] };
  if (tier !== 'normal') {
    for (const quota of Object.keys(limits) as QuotaName[])
      limits[quota] = Math.max(1, Math.floor(limits[quota] / 2));
  }
  return limits;
}

/** The staff-initiated budget at a tier: the role's, halved (down to 0) above `normal`, as `checkStaffInitiated` does. */
export function staffInitiatedAt(role: SimRole, tier: RiskTier): number {
  const base = staffInitiatedBudget[role];
  return tier === 'normal' ? base : Math.floor(base / 2);
}

export function createQuotaWindows() {
  /** Per staff member: customer → the last time a reveal of it was admitted (kept a week). */
  const reveals = new Map<number, Map<number, number>>();
  /** Per staff member: customer → the last staff-initiated reveal of it (kept a day). */
  const initiated = new Map<number, Map<number, number>>();
  /** Per staff member: times of admitted searches, oldest first (kept a day). */
  const searches = new Map<number, number[]>();

  return {
    /** The quota that refuses a search now (the day's named first), or undefined — then it counts. */
    search(staff: number, at: number, limits: QuotaLimits): QuotaName | undefined {
      let times = searches.get(staff);
      if (!times) searches.set(staff, (times = []));
      const daySince = at - quotaWindows.search_day;
      let drop = 0;
      while (drop < times.length && times[drop]! < daySince) drop++;
      if (drop > 0) times.splice(0, drop);
      const hourSince = at - quotaWindows.search_hour;
      let hour = 0;
      for (let i = times.length - 1; i >= 0 && times[i]! >= hourSince; i--) hour++;
      if (times.length >= limits.search_day) return 'search_day';
      if (hour >= limits.search_hour) return 'search_hour';
      times.push(at);
      return undefined;
    },

    /**
     * Does the staff-initiated budget refuse a reveal of `customer` (evidence `none`) now? Distinct customers
     * in the last 24 hours; one already counted costs nothing. Counts nothing (`countInitiated` does).
     */
    initiatedRefuses(staff: number, customer: number, at: number, limit: number): boolean {
      const last = initiated.get(staff);
      if (!last) return limit <= 0;
      const since = at - DAY;
      for (const [c, t] of last) if (t < since) last.delete(c);
      return !last.has(customer) && last.size >= limit;
    },

    /** An admitted staff-initiated reveal of `customer`. */
    countInitiated(staff: number, customer: number, at: number): void {
      let last = initiated.get(staff);
      if (!last) initiated.set(staff, (last = new Map()));
      last.set(customer, at);
    },

    /** The quota that refuses a reveal of `customer` now, or undefined — then it counts in every window. */
    reveal(staff: number, customer: number, at: number, limits: QuotaLimits): QuotaName | undefined {
      let last = reveals.get(staff);
      if (!last) reveals.set(staff, (last = new Map()));
      const hourSince = at - quotaWindows.reveal_hour;
      const daySince = at - quotaWindows.reveal_day;
      const weekSince = at - quotaWindows.reveal_week;
      let hour = 0;
      let day = 0;
      let week = 0;
      for (const [c, t] of last) {
        if (t < weekSince) last.delete(c);
        else {
          week++;
          if (t >= daySince) day++;
          if (t >= hourSince) hour++;
        }
      }
      const prior = last.get(customer);
      if (!(prior !== undefined && prior >= hourSince) && hour >= limits.reveal_hour) return 'reveal_hour';
      if (!(prior !== undefined && prior >= daySince) && day >= limits.reveal_day) return 'reveal_day';
      if (prior === undefined && week >= limits.reveal_week) return 'reveal_week';
      last.set(customer, at);
      return undefined;
    },
  };
}

export type QuotaWindows = ReturnType<typeof createQuotaWindows>;
