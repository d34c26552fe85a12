/**
 * The insider-risk model: folds a staff member's acts (watch events) into a score from 0 to 100, a tier, and
 * an explanation — which indicators, with which values, against which baselines. Pure and synchronous: no
 * clock, no storage, no I/O; the same events in the same order give the same state, so the watcher can
 * rebuild it from the ledger after a restart.
 *
 * How a score is made (every number is a setting, defaults below):
 *   - each indicator earns points when an act crosses it (a cold reveal with no evidence that the customer
 *     started it: `coldRevealPoints`; a distinct customer beyond today's allowance: `excessCustomerPoints`; …);
 *   - points decay with a half-life: a day for the noisy indicators (an honest burst fades), a week for the
 *     ones honest work almost never earns (`slowIndicators`: a harvest accumulates);
 *   - the score is the sum of decayed points, capped at 100; the tier follows from fixed thresholds;
 *   - a member who reaches `high` again within 30 days of the last hold earns `repeatHoldPoints` (critical):
 *     waiting a hold out and going on is itself the signal.
 * The allowance for distinct customers a day is the larger of `minDailyAllowance` and `allowanceFactor` ×
 * the larger of the member's own baseline (an exponentially weighted mean of their past days) and their
 * peers' (the mean baseline of the same role).
 *
 * Invariant: bounded state. Per staff member it keeps one point total and one day counter per indicator, a
 * baseline, four timestamps and at most `maxDailyCustomers` 32-bit customer hashes (beyond that the day's
 * count still grows, by repeat reveals too, which only errs towards suspicion) — under 1 KB. Across members
 * it keeps the last cold reveal of at most `maxSharedCustomers` customers (collusion), 16 bytes each.
 */
import {
  type Assessment,
  type Contribution,
  type Indicator,
  indicators,
  type RiskTier,
  type WatchEvent,
} from './risk.types.ts';

export interface RiskSettings {
  /** Half-life of the noisy indicators' points. */
  halfLifeMs: number;
  /** Half-life of `slowIndicators`' points: what honest work almost never earns is remembered longer. */
  slowHalfLifeMs: number;
  slowIndicators: readonly Indicator[];
  /** Score at or above which a tier starts. */
  thresholds: { elevated: number; high: number; critical: number };
  coldRevealPoints: number;
  followUpPoints: number;
  excessCustomerPoints: number;
  noResolutionPoints: number;
  /** Cases a day closed with no resolution after a reveal that earn nothing (the customer hung up). */
  freeNoResolutions: number;
  outOfRegionPoints: number;
  offShiftPoints: number;
  searchMissPoints: number;
  /** Searches that find nobody a day that earn nothing (a misheard number). */
  freeSearchMisses: number;
  patternedSearchPoints: number;
  /** Patterned searches a day that earn nothing (two numbers of one household). */
  freePatternedSearches: number;
  /** A VIP or a co-worker revealed cold. */
  specialCustomerPoints: number;
  /** Someone with the member's surname revealed cold: common surnames make it noisy, so fewer (alerted all the same). */
  sameSurnamePoints: number;
  hrWindowPoints: number;
  /** After hiring, how long staff-initiated reveals count as `hr_window`. */
  hiringWindowMs: number;
  sharedCustomerPoints: number;
  /** How far apart two members' cold reveals of one customer count as shared. */
  sharedWindowMs: number;
  breakGlassPoints: number;
  refusalPoints: number;
  /** Refusals a day that earn nothing (a mistyped case id is not probing). */
  freeRefusals: number;
  repeatHoldPoints: number;
  /** A new hold within this long of the last one earns `repeatHoldPoints`. */
  repeatHoldWindowMs: number;
  honeyTouchPoints: number;
  minDailyAllowance: number;
  allowanceFactor: number;
  /** Weight of the newest day in the baseline (0–1). */
  baselineAlpha: number;
  maxDailyCustomers: number;
  maxSharedCustomers: number;
  /** Where the watcher's day starts, as an offset from UTC midnight (China: +8 h). */
  dayOffsetMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const defaultRiskSettings: RiskSettings = {
  halfLifeMs: DAY,
  slowHalfLifeMs: 7 * DAY,
  slowIndicators: [
    'unexplained_reveals',
    'special_customers',
    'hr_window',
    'shared_customers',
    'repeat_hold',
    'honey_touch',
  ],
  thresholds: { elevated: 25, high: 50, critical: 80 },
  coldRevealPoints: 17,
  followUpPoints: 1,
  excessCustomerPoints: 5,
  noResolutionPoints: 3,
  freeNoResolutions: 2,
  outOfRegionPoints: 4,
  offShiftPoints: 4,
  searchMissPoints: 2,
  freeSearchMisses: 3,
  patternedSearchPoints: 5,
  freePatternedSearches: 1,
  specialCustomerPoints: 30,
  sameSurnamePoints: 7,
  hrWindowPoints: 6,
  hiringWindowMs: 30 * DAY,
  sharedCustomerPoints: 10,
  sharedWindowMs: 14 * DAY,
  breakGlassPoints: 15,
  refusalPoints: 2,
  freeRefusals: 5,
  repeatHoldPoints: 30,
  repeatHoldWindowMs: 30 * DAY,
  honeyTouchPoints: 100,
  minDailyAllowance: 8,
  allowanceFactor: 2,
  baselineAlpha: 0.1,
  maxDailyCustomers: 64,
  maxSharedCustomers: 200_000,
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
  /** HR: when hired and when notice was given (null: not known). */
  hiredAt: number | null;
  noticeAt: number | null;
  /** In a hold (score ≥ high) as last seen; when a hold was last seen. */
  held: boolean;
  lastHeldAt: number | null;
}

/** One customer's last cold reveal: by whom, through which case, when (collusion). */
interface SharedMark {
  staffId: string;
  caseId: string | undefined;
  at: number;
}

const slot = Object.fromEntries(indicators.map((name, i) => [name, i])) as Record<Indicator, number>;

/**
 * A 32-bit FNV-1a hash of a customer id: only to tell today's customers apart in memory (ids are assigned by
 * Custos, not chosen by staff, so no one can aim for collisions; a collision makes a new customer count as a
 * repeat, once in about 4 billion pairs).
 */
function customerHash(customerId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    h ^= customerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
  /** Customer hash → the last cold reveal of them, oldest first (a Map keeps insertion order). */
  const shared = new Map<number, SharedMark>();
  /** Per indicator: points earned are divided by this (triage feedback raises it for a noisy indicator). */
  const damping = new Float64Array(indicators.length).fill(1);
  /** Per indicator: decays with the slow half-life (1) or the noisy one (0). */
  const slow = new Uint8Array(indicators.map((name) => (s.slowIndicators.includes(name) ? 1 : 0)));

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
    const elapsed = at - state.updatedAt;
    const fast = 2 ** (-elapsed / s.halfLifeMs);
    const slowly = 2 ** (-elapsed / s.slowHalfLifeMs);
    const points = state.points;
    for (let i = 0; i < points.length; i++) if (points[i] !== 0) points[i]! *= slow[i] ? slowly : fast;
    state.updatedAt = at;
  }

  function stateFor(staffId: string, role: string, at: number): StaffState {
    let state = staff.get(staffId);
    if (!state) {
      // One buffer per member, three views on it: a typed array's own buffer costs more than its contents.
      const n = indicators.length;
      const buffer = new ArrayBuffer(n * 8 + s.maxDailyCustomers * 4 + n * 2);
      state = {
        role,
        points: new Float64Array(buffer, 0, n),
        updatedAt: at,
        day: dayOf(at),
        counts: new Uint16Array(buffer, n * 8 + s.maxDailyCustomers * 4, n),
        customers: new Uint32Array(buffer, n * 8, s.maxDailyCustomers),
        distinctToday: 0,
        baseline: null,
        hiredAt: null,
        noticeAt: null,
        held: false,
        lastHeldAt: null,
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
    state.points[slot[indicator]]! += points / damping[slot[indicator]]!;
  }

  /** Count the act; earn points once the day's count passes the free allowance. */
  function countAndEarn(state: StaffState, indicator: Indicator, points: number, free = 0): void {
    if (count(state, indicator) > free) earn(state, indicator, points);
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

  function total(state: StaffState): number {
    let sum = 0;
    for (const points of state.points) sum += points;
    return Math.min(100, Math.round(sum * 10) / 10);
  }

  /** Another member revealed this customer cold lately, not through this case: both earn. */
  function sharedCold(
    staffId: string,
    state: StaffState,
    event: { customerId: string; caseId?: string; at: number },
  ) {
    const h = customerHash(event.customerId);
    const last = shared.get(h);
    if (
      last !== undefined &&
      last.staffId !== staffId &&
      event.at - last.at <= s.sharedWindowMs &&
      (last.caseId === undefined || last.caseId !== event.caseId)
    ) {
      countAndEarn(state, 'shared_customers', s.sharedCustomerPoints);
      const other = staff.get(last.staffId);
      if (other) {
        decayTo(other, event.at);
        rollTo(other, dayOf(event.at));
        countAndEarn(other, 'shared_customers', s.sharedCustomerPoints);
      }
    }
    shared.delete(h);
    shared.set(h, { staffId, caseId: event.caseId, at: event.at });
    if (shared.size > s.maxSharedCustomers) shared.delete(shared.keys().next().value!);
  }

  /** A staff-initiated reveal: what it earns beyond being staff-initiated. */
  function staffInitiated(
    staffId: string,
    state: StaffState,
    event: Extract<WatchEvent, { kind: 'reveal' }>,
  ) {
    const context = event.context ?? {};
    if (context.followUp) {
      countAndEarn(state, 'follow_ups', s.followUpPoints);
    } else {
      countAndEarn(state, 'unexplained_reveals', s.coldRevealPoints);
      sharedCold(staffId, state, event);
      if (context.special !== undefined)
        countAndEarn(
          state,
          'special_customers',
          context.special === 'same_surname' ? s.sameSurnamePoints : s.specialCustomerPoints,
        );
    }
    if (context.outOfRegion) countAndEarn(state, 'out_of_region', s.outOfRegionPoints);
    if (context.offShift) countAndEarn(state, 'off_shift', s.offShiftPoints);
    const newlyHired = state.hiredAt !== null && event.at - state.hiredAt <= s.hiringWindowMs;
    if (newlyHired || (state.noticeAt !== null && event.at >= state.noticeAt))
      countAndEarn(state, 'hr_window', s.hrWindowPoints);
  }

  /** A hold (score ≥ high) starting within the window of the last one earns `repeat_hold`. */
  function trackHold(state: StaffState, at: number, before: number): void {
    if (before < s.thresholds.high) state.held = false;
    else state.lastHeldAt = at;
    if (state.held || total(state) < s.thresholds.high) return;
    if (state.lastHeldAt !== null && at - state.lastHeldAt <= s.repeatHoldWindowMs)
      countAndEarn(state, 'repeat_hold', s.repeatHoldPoints);
    state.held = true;
    state.lastHeldAt = at;
  }

  function observe(event: WatchEvent): void {
    const state = stateFor(event.staffId, event.role, event.at);
    if (state.role !== event.role) changeRole(state, event.role);
    const before = total(state);
    score(event, state);
    trackHold(state, event.at, before);
  }

  function score(event: WatchEvent, state: StaffState): void {
    switch (event.kind) {
      case 'reveal': {
        if (!firstToday(state, event.customerId)) return;
        if (event.breakGlass) countAndEarn(state, 'break_glass', s.breakGlassPoints);
        else if (event.evidence === 'none') staffInitiated(event.staffId, state, event);
        if (state.distinctToday > allowance(state))
          countAndEarn(state, 'distinct_customers', s.excessCustomerPoints);
        return;
      }
      case 'denied':
        return countAndEarn(state, 'refusals', s.refusalPoints, s.freeRefusals);
      case 'search':
        if (event.patterned)
          countAndEarn(state, 'patterned_searches', s.patternedSearchPoints, s.freePatternedSearches);
        if (event.matches === 0) countAndEarn(state, 'search_misses', s.searchMissPoints, s.freeSearchMisses);
        return;
      case 'case_closed':
        if (event.revealed && !event.resolved)
          countAndEarn(state, 'no_resolution', s.noResolutionPoints, s.freeNoResolutions);
        return;
      case 'hr':
        if (event.signal === 'hired') state.hiredAt = event.at;
        if (event.signal === 'resignation_notice') state.noticeAt = event.at;
        return;
      case 'honey_touch':
        return countAndEarn(state, 'honey_touch', s.honeyTouchPoints);
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
      case 'patterned_searches':
        return s.freePatternedSearches;
      case 'no_resolution':
        return s.freeNoResolutions;
      default:
        return 0;
    }
  }

  /** A member's score at `at` (decayed, capped at 100, one decimal): all the reveal path's tier lookup needs. */
  function scoreOf(state: StaffState, at: number): number {
    decayTo(state, at);
    rollTo(state, dayOf(at));
    return total(state);
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
    state.held = false;
    state.lastHeldAt = null;
  }

  /**
   * The whole state as bytes (JSON; typed arrays as base64): what the watcher snapshots. Derived state — the
   * ledger can always rebuild it — so a snapshot is a shortcut, never the record.
   */
  function exportState(): Buffer {
    const b64 = (a: Float64Array | Uint16Array | Uint32Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return Buffer.from(
      JSON.stringify({
        version: 1,
        indicators,
        staff: [...staff].map(([id, st]) => [
          id,
          {
            ...st,
            points: b64(st.points),
            counts: b64(st.counts),
            customers: b64(st.customers),
          },
        ]),
        peers: [...peers],
        shared: [...shared],
        damping: b64(damping),
      }),
    );
  }

  /** Replace the state with an exported one; false (and nothing changed) when it is not one this model reads. */
  function importState(bytes: Buffer): boolean {
    let parsed: {
      version: number;
      indicators: string[];
      staff: Array<[string, Omit<StaffState, 'points' | 'counts' | 'customers'> & Record<string, unknown>]>;
      peers: Array<[string, { sum: number; count: number }]>;
      shared: Array<[number, SharedMark]>;
      damping: string;
    };
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return false;
    }
    if (parsed?.version !== 1 || JSON.stringify(parsed.indicators) !== JSON.stringify(indicators))
      return false;
    const typed = <T>(b64: unknown, make: (buf: ArrayBuffer) => T, bytes: number): T => {
      const buf = Buffer.from(String(b64), 'base64');
      if (buf.length !== bytes) throw new Error('snapshot: wrong array size');
      return make(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    };
    try {
      const next = new Map<string, StaffState>();
      const n = indicators.length;
      for (const [id, st] of parsed.staff) {
        // The same layout as a new member's: one buffer, three views.
        const buffer = new ArrayBuffer(n * 8 + s.maxDailyCustomers * 4 + n * 2);
        const points = new Float64Array(buffer, 0, n);
        const customers = new Uint32Array(buffer, n * 8, s.maxDailyCustomers);
        const counts = new Uint16Array(buffer, n * 8 + s.maxDailyCustomers * 4, n);
        points.set(typed(st.points, (b) => new Float64Array(b), n * 8));
        customers.set(typed(st.customers, (b) => new Uint32Array(b), s.maxDailyCustomers * 4));
        counts.set(typed(st.counts, (b) => new Uint16Array(b), n * 2));
        next.set(id, { ...(st as unknown as StaffState), points, counts, customers });
      }
      const nextDamping = typed(parsed.damping, (b) => new Float64Array(b), indicators.length * 8);
      staff.clear();
      for (const [id, st] of next) staff.set(id, st);
      peers.clear();
      for (const [role, peer] of parsed.peers) peers.set(role, peer);
      shared.clear();
      for (const [h, mark] of parsed.shared) shared.set(h, mark);
      damping.set(nextDamping);
      return true;
    } catch {
      return false;
    }
  }

  return {
    settings: s,
    observe,
    exportState,
    importState,
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
    /**
     * Triage feedback: an indicator whose alerts security keeps dismissing as false positives earns its
     * points divided by `factor` (clamped to 1–2) from now on; 1 restores it.
     */
    dampen(indicator: Indicator, factor: number): void {
      damping[slot[indicator]] = Math.min(2, Math.max(1, Number.isFinite(factor) ? factor : 1));
    },
    damping(indicator: Indicator): number {
      return damping[slot[indicator]]!;
    },
    /** An upper bound of the bytes one staff member's state holds (for the ≤ 1 KB budget). */
    bytesPerStaff(staffId: string): number {
      const state = staff.get(staffId);
      if (!state) return 0;
      // Typed arrays (their contents) and the object's other fields.
      return state.points.byteLength + state.counts.byteLength + state.customers.byteLength + 9 * 8;
    },
    get size(): number {
      return staff.size;
    },
  };
}

export type RiskModel = ReturnType<typeof createRiskModel>;
