/**
 * The insider-risk model: folds a staff member's acts (watch events) into a score from 0 to 100, a tier, and
 * an explanation — which indicators, with which values, against which baselines. Pure and synchronous: no
 * clock, no storage, no I/O; the same events in the same order give the same state, so the watcher can
 * rebuild it from the ledger after a restart.
 *
 * How a score is made (every number is a setting, defaults below):
 *   - each indicator earns points when an act crosses it (a reveal with no evidence the customer started it:
 *     `unexplainedRevealPoints`; a distinct customer beyond today's allowance: `excessCustomerPoints`; …);
 *   - points decay with a half-life (`halfLifeMs`, a day): an honest burst fades, a harvest accumulates;
 *   - the score is the sum of decayed points, capped at 100; the tier follows from fixed thresholds.
 * The allowance for distinct customers a day is the larger of `minDailyAllowance` and `allowanceFactor` ×
 * the larger of the member's own baseline (an exponentially weighted mean of their past days) and their
 * peers' (the mean baseline of the same role).
 *
 * Invariant: bounded state. Per staff member it keeps six point totals, six day counters, a baseline and at
 * most `maxDailyCustomers` 32-bit customer hashes (beyond that the day's count still grows, by repeat
 * reveals too, which only errs towards suspicion) — under 1 KB.
 */
import { createHash } from 'node:crypto';
import {
  type Assessment,
  type Contribution,
  type Indicator,
  indicators,
  type RiskTier,
  type WatchEvent,
} from './risk.types.ts';

export interface RiskSettings {
  halfLifeMs: number;
  /** Score at or above which a tier starts. */
  thresholds: { elevated: number; high: number; critical: number };
  unexplainedRevealPoints: number;
  excessCustomerPoints: number;
  breakGlassPoints: number;
  refusalPoints: number;
  /** Refusals a day that earn nothing (a mistyped case id is not probing). */
  freeRefusals: number;
  searchMissPoints: number;
  /** Searches that find nobody a day that earn nothing (a misheard number). */
  freeSearchMisses: number;
  honeyTouchPoints: number;
  minDailyAllowance: number;
  allowanceFactor: number;
  /** Weight of the newest day in the baseline (0–1). */
  baselineAlpha: number;
  maxDailyCustomers: number;
  /** Where the watcher's day starts, as an offset from UTC midnight (China: +8 h). */
  dayOffsetMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const defaultRiskSettings: RiskSettings = {
  halfLifeMs: DAY,
  thresholds: { elevated: 25, high: 50, critical: 80 },
  unexplainedRevealPoints: 6,
  excessCustomerPoints: 5,
  breakGlassPoints: 15,
  refusalPoints: 2,
  freeRefusals: 5,
  searchMissPoints: 2,
  freeSearchMisses: 3,
  honeyTouchPoints: 100,
  minDailyAllowance: 8,
  allowanceFactor: 2,
  baselineAlpha: 0.1,
  maxDailyCustomers: 64,
  dayOffsetMs: 8 * HOUR,
};

interface StaffState {
  role: string;
  /** Points per indicator, as of `updatedAt` (decay is applied lazily). */
  points: Float64Array;
  updatedAt: number;
  /** The watcher's day number the counters below belong to. */
  day: number;
  counts: Uint16Array;
  /** 32-bit hashes of the first customers revealed today (`distinctToday` of them, at most the array's length). */
  customers: Uint32Array;
  /** Distinct customers revealed today (≥ customers.size once the set is full). */
  distinctToday: number;
  /** Exponentially weighted mean of distinct customers a day, over days seen; null before the first day ends. */
  baseline: number | null;
}

const slot = Object.fromEntries(indicators.map((name, i) => [name, i])) as Record<Indicator, number>;

function customerHash(customerId: string): number {
  return createHash('sha256').update(customerId).digest().readUInt32BE(0);
}

export function tierFor(score: number, thresholds: RiskSettings['thresholds']): RiskTier {
  if (score >= thresholds.critical) return 'critical';
  if (score >= thresholds.high) return 'high';
  if (score >= thresholds.elevated) return 'elevated';
  return 'normal';
}

export function createRiskModel(overrides: Partial<RiskSettings> = {}) {
  const s: RiskSettings = { ...defaultRiskSettings, ...overrides };
  const staff = new Map<string, StaffState>();
  /** Per role: sum and count of members' baselines, for the peer baseline. */
  const peers = new Map<string, { sum: number; count: number }>();

  const dayOf = (at: number) => Math.floor((at + s.dayOffsetMs) / DAY);

  function setBaseline(state: StaffState, next: number): void {
    const peer = peers.get(state.role) ?? { sum: 0, count: 0 };
    if (state.baseline === null) peer.count += 1;
    else peer.sum -= state.baseline;
    peer.sum += next;
    peers.set(state.role, peer);
    state.baseline = next;
  }

  /** A member who changes role takes their baseline to their new peers. */
  function changeRole(state: StaffState, role: string): void {
    if (state.baseline !== null) {
      const old = peers.get(state.role)!;
      old.sum -= state.baseline;
      old.count -= 1;
      const baseline = state.baseline;
      state.baseline = null;
      state.role = role;
      setBaseline(state, baseline);
    } else {
      state.role = role;
    }
  }

  /** Close the days between the state's day and `day`: each finished day feeds the baseline, empty days as 0. */
  function rollTo(state: StaffState, day: number): void {
    if (day <= state.day) return;
    const a = s.baselineAlpha;
    let baseline =
      state.baseline === null ? state.distinctToday : (1 - a) * state.baseline + a * state.distinctToday;
    const emptyDays = day - state.day - 1;
    if (emptyDays > 0) baseline *= (1 - a) ** Math.min(emptyDays, 365);
    setBaseline(state, baseline);
    state.day = day;
    state.counts.fill(0);
    state.distinctToday = 0;
  }

  function decayTo(state: StaffState, at: number): void {
    if (at <= state.updatedAt) return;
    const factor = 2 ** (-(at - state.updatedAt) / s.halfLifeMs);
    for (let i = 0; i < state.points.length; i++) state.points[i]! *= factor;
    state.updatedAt = at;
  }

  function stateFor(staffId: string, role: string, at: number): StaffState {
    let state = staff.get(staffId);
    if (!state) {
      state = {
        role,
        points: new Float64Array(indicators.length),
        updatedAt: at,
        day: dayOf(at),
        counts: new Uint16Array(indicators.length),
        customers: new Uint32Array(s.maxDailyCustomers),
        distinctToday: 0,
        baseline: null,
      };
      staff.set(staffId, state);
    }
    decayTo(state, at);
    rollTo(state, dayOf(at));
    return state;
  }

  function peerBaseline(role: string): number {
    const peer = peers.get(role);
    return peer && peer.count > 0 ? peer.sum / peer.count : 0;
  }

  function allowance(state: StaffState): number {
    const own = state.baseline ?? 0;
    return Math.max(s.minDailyAllowance, s.allowanceFactor * Math.max(own, peerBaseline(state.role)));
  }

  function count(state: StaffState, indicator: Indicator): number {
    const i = slot[indicator];
    state.counts[i] = Math.min(state.counts[i]! + 1, 0xffff);
    return state.counts[i]!;
  }

  function earn(state: StaffState, indicator: Indicator, points: number): void {
    state.points[slot[indicator]]! += points;
  }

  /** Is this customer new today? Records it. A full set counts every further reveal as new. */
  function firstToday(state: StaffState, customerId: string): boolean {
    const h = customerHash(customerId);
    const held = Math.min(state.distinctToday, state.customers.length);
    for (let i = 0; i < held; i++) if (state.customers[i] === h) return false;
    if (held < state.customers.length) state.customers[held] = h;
    state.distinctToday += 1;
    return true;
  }

  function observe(event: WatchEvent): void {
    const state = stateFor(event.staffId, event.role, event.at);
    if (state.role !== event.role) changeRole(state, event.role);
    switch (event.kind) {
      case 'reveal': {
        if (!firstToday(state, event.customerId)) return;
        if (event.breakGlass) {
          count(state, 'break_glass');
          earn(state, 'break_glass', s.breakGlassPoints);
        } else if (event.evidence === 'none') {
          count(state, 'unexplained_reveals');
          earn(state, 'unexplained_reveals', s.unexplainedRevealPoints);
        }
        if (state.distinctToday > allowance(state)) {
          count(state, 'distinct_customers');
          earn(state, 'distinct_customers', s.excessCustomerPoints);
        }
        return;
      }
      case 'denied':
        if (count(state, 'refusals') > s.freeRefusals) earn(state, 'refusals', s.refusalPoints);
        return;
      case 'search':
        if (event.matches > 0) return;
        if (count(state, 'search_misses') > s.freeSearchMisses)
          earn(state, 'search_misses', s.searchMissPoints);
        return;
      case 'case_closed':
      case 'hr':
        return; // scored by the indicators that follow (Step 5, second slice)
      case 'honey_touch':
        count(state, 'honey_touch');
        earn(state, 'honey_touch', s.honeyTouchPoints);
        return;
    }
  }

  function baselineOf(state: StaffState, indicator: Indicator): number {
    switch (indicator) {
      case 'distinct_customers':
        return allowance(state);
      case 'refusals':
        return s.freeRefusals;
      case 'search_misses':
        return s.freeSearchMisses;
      default:
        return 0;
    }
  }

  /** A member's score at `at` (decayed, capped at 100, one decimal): all the reveal path's tier lookup needs. */
  function scoreOf(state: StaffState, at: number): number {
    decayTo(state, at);
    rollTo(state, dayOf(at));
    let total = 0;
    for (const points of state.points) total += points;
    return Math.min(100, Math.round(total * 10) / 10);
  }

  /** The score, tier and explanation of a staff member at `at` (an unknown member: 0, normal, nothing). */
  function assess(staffId: string, at: number): Assessment {
    const state = staff.get(staffId);
    if (!state) return { staffId, score: 0, tier: 'normal', contributions: [] };
    const score = scoreOf(state, at);
    const contributions: Contribution[] = [];
    for (const indicator of indicators) {
      const points = state.points[slot[indicator]]!;
      if (points < 0.05) continue;
      contributions.push({
        indicator,
        value: indicator === 'distinct_customers' ? state.distinctToday : state.counts[slot[indicator]]!,
        baseline: Math.round(baselineOf(state, indicator) * 10) / 10,
        points: Math.round(points * 10) / 10,
      });
    }
    contributions.sort((a, b) => b.points - a.points);
    return { staffId, score, tier: tierFor(score, s.thresholds), contributions };
  }

  /** A person reviewed the member's suspension and lifted it: their points and today's counts start again. */
  function forgive(staffId: string, at: number): void {
    const state = staff.get(staffId);
    if (!state) return;
    decayTo(state, at);
    rollTo(state, dayOf(at));
    state.points.fill(0);
    state.counts.fill(0);
    state.distinctToday = 0;
  }

  return {
    settings: s,
    observe,
    forgive,
    assess,
    /** The tier alone, without building the explanation (the reveal path asks it on every request). */
    tierOf(staffId: string, at: number): RiskTier {
      const state = staff.get(staffId);
      return state ? tierFor(scoreOf(state, at), s.thresholds) : 'normal';
    },
    /** The baseline a staff member's day is held against, and their role's. */
    baselines(staffId: string): { own: number | null; peer: number } {
      const state = staff.get(staffId);
      return { own: state?.baseline ?? null, peer: state ? peerBaseline(state.role) : 0 };
    },
    /** An upper bound of the bytes one staff member's state holds (for the ≤ 1 KB budget). */
    bytesPerStaff(staffId: string): number {
      const state = staff.get(staffId);
      if (!state) return 0;
      // Typed arrays (their contents) and the object's other fields.
      return state.points.byteLength + state.counts.byteLength + state.customers.byteLength + 5 * 8;
    },
    get size(): number {
      return staff.size;
    },
  };
}

export type RiskModel = ReturnType<typeof createRiskModel>;
