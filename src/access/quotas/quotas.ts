/**
 * Quotas: how much a staff member may look up and reveal, counted where harvesting shows — searches per
 * hour and per day (a clerk who searches at the hourly limit all shift long is refused by the day's), and reveals in DISTINCT customers per hour, day and week at once (a second field of a customer
 * already revealed in a window costs nothing there; a new customer costs one in every window). Defaults
 * per role, overrides per staff member.
 *
 * What is counted is the ledger: a search is its `customer.searched` entry, a reveal its `customer.revealed`
 * entry (subject = the customer). An act counts exactly when it is durably recorded, and costs no write of
 * its own on the hot path.
 *
 * Invariant: a check reserves what it admits until the act's entry is durable (then the ledger counts it),
 * and check-and-reserve is one step per staff member, so parallel requests cannot all pass the same last
 * unit of quota. Across API nodes the same staff member could exceed a limit by the number of nodes at most.
 */
import type { RiskTier } from '../../watch/risk/risk.types.ts';
import type { StaffRole } from '../../identity/staff/staff.types.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { QuotaOverrideStore } from './quota-overrides.store.ts';

export const quotaNames = ['search_hour', 'search_day', 'reveal_hour', 'reveal_day', 'reveal_week'] as const;
export type QuotaName = (typeof quotaNames)[number];
export type QuotaLimits = Record<QuotaName, number>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const quotaWindows: Record<QuotaName, number> = {
  search_hour: HOUR,
  search_day: 24 * HOUR,
  reveal_hour: HOUR,
  reveal_day: 24 * HOUR,
  reveal_week: 7 * 24 * HOUR,
};
const revealQuotas = ['reveal_hour', 'reveal_day', 'reveal_week'] as const;
// The day first: when both are spent, the day's is the limit worth naming.
const searchQuotas = ['search_day', 'search_hour'] as const;

/**
 * Defaults per role, sized for a front-line shift: a store clerk serves perhaps 30 customers a day and
 * reveals a field for a fraction of them. Roles that never search or reveal get zero; an administrator's
 * reveals happen only under break-glass and stay few. The day's searches are about three hours at the
 * hourly rate: a shift's real lookups, not 24 × the hour (the hourly limit alone let a clerk confirm
 * 960–1,440 numbers a day).
 */
export const defaultQuotas: Record<StaffRole, QuotaLimits> = {
  store: { search_hour: 40, search_day: 120, reveal_hour: 10, reveal_day: 40, reveal_week: 150 },
  support: { search_hour: 60, search_day: 180, reveal_hour: 15, reveal_day: 60, reveal_week: 200 },
  contractor: { search_hour: 30, search_day: 90, reveal_hour: 8, reveal_day: 30, reveal_week: 100 },
  marketing: { search_hour: 0, search_day: 0, reveal_hour: 0, reveal_day: 0, reveal_week: 0 },
  security: { search_hour: 0, search_day: 0, reveal_hour: 0, reveal_day: 0, reveal_week: 0 },
  admin: { search_hour: 0, search_day: 0, reveal_hour: 3, reveal_day: 5, reveal_week: 10 },
};

/**
 * Staff-initiated reveals (evidence `none`, not break-glass) in distinct customers per 24 hours, by role: a
 * budget of their own, much smaller than the reveal quota, since the customer started none of them. Halved
 * above `normal` like every quota; not raised by overrides (a member who needs more has customers who can
 * start the contact: a call, a portal request, an appointment, a code at the counter).
 */
export const staffInitiatedBudget: Record<StaffRole, number> = {
  store: 5,
  support: 8,
  contractor: 3,
  marketing: 0,
  security: 0,
  admin: 0,
};
export const STAFF_INITIATED_QUOTA = 'staff_initiated_day';

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
      // At most one window: by then every act it counted has left it.
      retryAfterSeconds: quotaWindows[quota] / 1000,
    },
  );
}

const actorOf = (staff: QuotaStaff) => `staff:${staff.staffId}`;

interface Held {
  searches: number;
  /** Customer id → reveals of it in flight. */
  customers: Map<string, number>;
}

/** A release that works once, however often it is called. */
function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      release();
    }
  };
}

export function createQuotas(deps: {
  store: QuotaOverrideStore;
  ledger: Pick<Ledger, 'distinctSubjectsSince' | 'countSince' | 'subjectsSinceWhere'>;
  clock: Clock;
  defaults?: Record<StaffRole, QuotaLimits>;
  /** The watcher's tier: at `elevated` and above every limit is halved (at least 1). */
  riskTier?: (staffId: string) => RiskTier;
}) {
  const { store, ledger, clock } = deps;
  const defaults = deps.defaults ?? defaultQuotas;
  // Check-and-reserve is one step per staff member; the act itself runs outside it, so one person's
  // parallel requests still share a group commit.
  const oneAtATime = createKeyedQueue();
  /** Per staff member: searches and reveals admitted but whose ledger entries are not yet durable. */
  const pending = new Map<string, Held>();
  const pendingOf = (staffId: string): Held => {
    let held = pending.get(staffId);
    if (!held) {
      held = { searches: 0, customers: new Map() };
      pending.set(staffId, held);
    }
    return held;
  };
  const forget = (staffId: string, held: Held) => {
    if (held.searches === 0 && held.customers.size === 0 && pending.get(staffId) === held)
      pending.delete(staffId);
  };

  async function limitsFor(staff: QuotaStaff): Promise<QuotaLimits> {
    const limits = { ...defaults[staff.role] };
    const now = clock.now();
    for (const o of await store.overridesOf(staff.staffId)) {
      // A raise ends at its expiry.
      if (o.expiresAt !== null && o.expiresAt <= now) continue;
      if ((quotaNames as readonly string[]).includes(o.quota)) limits[o.quota as QuotaName] = Number(o.max);
    }
    if ((deps.riskTier?.(staff.staffId) ?? 'normal') !== 'normal') {
      for (const quota of quotaNames) limits[quota] = Math.max(1, Math.floor(limits[quota] / 2));
    }
    return limits;
  }

  /** The staff-initiated budget: distinct customers revealed without evidence in the last 24 hours. */
  async function checkStaffInitiated(staff: QuotaStaff, customerId: string, now: number): Promise<void> {
    const base = staffInitiatedBudget[staff.role];
    const limit = (deps.riskTier?.(staff.staffId) ?? 'normal') === 'normal' ? base : Math.floor(base / 2);
    const subjects = await ledger.subjectsSinceWhere(
      actorOf(staff),
      'customer.revealed',
      now - DAY,
      (data) =>
        (data as { evidence?: string; breakGlass?: boolean }).evidence === 'none' &&
        (data as { breakGlass?: boolean }).breakGlass !== true,
    );
    if (subjects.has(customerId)) return;
    // Reveals in flight count against it too (they may be staff-initiated): refused early, never late.
    const held = pending.get(staff.staffId);
    const inFlight = held
      ? [...held.customers.keys()].filter((c) => c !== customerId && !subjects.has(c)).length
      : 0;
    if (subjects.size + inFlight >= limit)
      throw new CustosError(
        'QUOTA_EXCEEDED',
        `Quota ${STAFF_INITIATED_QUOTA} reached (${limit}): reveals the customer did not start are few a day; ` +
          'have the customer call in, ask through the portal, book a visit or give their code',
        {
          details: [{ path: STAFF_INITIATED_QUOTA, problem: `limit ${limit}` }],
          retryAfterSeconds: DAY / 1000,
        },
      );
  }

  return {
    limitsFor,

    /** A role's default limits (what a raise is measured against). */
    roleDefaults: (role: StaffRole): QuotaLimits => ({ ...defaults[role] }),

    /**
     * Reserve one search: throws QUOTA_EXCEEDED when it would pass the hourly or the daily limit. Call the
     * release once the search's `customer.searched` entry is durable (or the search failed).
     */
    reserveSearch(staff: QuotaStaff): Promise<() => void> {
      return oneAtATime(staff.staffId, async () => {
        const limits = await limitsFor(staff);
        const now = clock.now();
        const held = pendingOf(staff.staffId);
        for (const quota of searchQuotas) {
          const since = now - quotaWindows[quota];
          const done = await ledger.countSince(actorOf(staff), 'customer.searched', since);
          if (done + held.searches >= limits[quota]) throw exceeded(quota, limits[quota]);
        }
        held.searches++;
        return once(() => {
          held.searches--;
          forget(staff.staffId, held);
        });
      });
    },

    /**
     * Reserve a reveal of `customerId`: throws QUOTA_EXCEEDED when it would pass any window's limit. Call
     * the release once the reveal's `customer.revealed` entry is durable (or the reveal failed). Reveals
     * still in flight count as new customers, so parallel requests can only be refused early, never let
     * through late.
     */
    reserveReveal(
      staff: QuotaStaff,
      customerId: string,
      /** Evidence `none`, not break-glass: also spends the staff-initiated budget. */
      staffInitiated = false,
    ): Promise<() => void> {
      return oneAtATime(staff.staffId, async () => {
        const now = clock.now();
        const limits = await limitsFor(staff);
        if (staffInitiated) await checkStaffInitiated(staff, customerId, now);
        const windows = await ledger.distinctSubjectsSince(
          actorOf(staff),
          'customer.revealed',
          revealQuotas.map((quota) => now - quotaWindows[quota]),
          customerId,
        );
        const held = pendingOf(staff.staffId);
        const already = held.customers.has(customerId);
        const others = held.customers.size - (already ? 1 : 0);
        revealQuotas.forEach((quota, i) => {
          const { count, includes } = windows[i] as { count: number; includes: boolean };
          if (!includes && !already && count + others >= limits[quota]) throw exceeded(quota, limits[quota]);
        });
        held.customers.set(customerId, (held.customers.get(customerId) ?? 0) + 1);
        return once(() => {
          const left = (held.customers.get(customerId) ?? 1) - 1;
          if (left > 0) held.customers.set(customerId, left);
          else held.customers.delete(customerId);
          forget(staff.staffId, held);
        });
      });
    },

    /** Set a limit; `expiresAt` for a raise above the role's default (it ends then). */
    async setOverride(
      staffId: string,
      quota: QuotaName,
      max: number,
      by: string,
      expiresAt: number | null = null,
    ): Promise<void> {
      await store.setOverride({ staffId, quota, max, setBy: by, setAt: clock.now(), expiresAt });
    },
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
