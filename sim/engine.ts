/**
 * The simulation engine: a simulated clock over the organisation's days. Each day every working staff
 * member's honest acts and every strategy's attack acts are planned, put in time order, and decided one by
 * one through the real risk model (`tierOf` before the act, `observe` after it: containment takes effect on
 * the next request, as in production), the real tier semantics (gate.ts) and the real quotas
 * (quota-windows.ts). Same seed, same result.
 */
import type { Act, StrategyName } from './act.ts';
import { createContactMemory } from './contact-memory.ts';
import { containReveal } from './gate.ts';
import {
  emptyStrategyResult,
  type HonestResult,
  type SimulationParams,
  type SimulationResult,
  type StrategyResult,
} from './metrics.ts';
import {
  createOrganisation,
  customerIdOf,
  DAY,
  EPOCH,
  HOUR,
  inShift,
  type Organisation,
  roles,
  worksOn,
} from './organisation.ts';
import { createQuotaWindows, limitsAt, staffInitiatedAt } from './quota-windows.ts';
import { createRandom, type Random } from './random.ts';
import { createStrategies } from './strategies/index.ts';
import type { Strategy } from './strategies/strategy.ts';
import { defaultWorkload, planHonestDay, type WorkloadParams } from './workload.ts';
import { createRiskModel, type RiskSettings } from '../src/watch/risk/risk-model.ts';
import { quotaWindows } from '../src/access/quotas/quotas.ts';
import {
  type RevealContext,
  type RiskTier,
  riskTiers,
  type WatchEvent,
} from '../src/watch/risk/risk.types.ts';
import { curious } from '../src/watch/watcher.service.ts';

const HONEST_SAMPLE = 101;
/** `chosen` for a staff member taken by a strategy without acting (the ring's buyer). */
const TAKEN = -2;
const HIGH = riskTiers.indexOf('high');
const CRITICAL = riskTiers.indexOf('critical');

export interface SimulationOptions extends SimulationParams {
  workload?: Partial<WorkloadParams>;
  risk?: Partial<RiskSettings>;
  /** Honest-only days run before day 0 so baselines and quota windows hold history, as after the watcher's replay (default 7). */
  warmupDays?: number;
  /** Called after each simulated day. */
  onDay?: (day: number, days: number) => void;
}

export function simulate(options: SimulationOptions): SimulationResult {
  const started = performance.now();
  const { staff: staffCount, customers, days, seed } = options;
  const workload = { ...defaultWorkload, ...options.workload };
  const org = createOrganisation({ staff: staffCount, customers, seed });
  const model = createRiskModel(options.risk);
  const quotas = createQuotaWindows();

  // Strategies recruit distinct staff members from a seeded shuffle of the organisation.
  const chosen = new Int16Array(staffCount).fill(-1);
  const order = shuffled(staffCount, createRandom(seed, 3));
  const strategies: Strategy[] = createStrategies({
    org,
    seed,
    recruit(count, accept = () => true) {
      const picked: number[] = [];
      for (const s of order) {
        if (picked.length === count) break;
        if (chosen[s] === -1 && accept(s)) {
          chosen[s] = TAKEN;
          picked.push(s);
        }
      }
      return picked;
    },
  });
  strategies.forEach((st, i) => st.members.forEach((s) => (chosen[s] = i)));
  const strategyIndex = new Map<StrategyName, number>(strategies.map((st, i) => [st.name, i]));
  const results: StrategyResult[] = strategies.map((st) =>
    emptyStrategyResult(st.name, st.description, st.members.length),
  );
  /** Staff in no strategy: whose days count as honest. */
  const honestStaff = (s: number) => chosen[s] === -1;
  const gone = new Uint8Array(staffCount);
  for (const st of strategies) for (const s of st.others ?? []) gone[s] = 1;

  const suspendedAt = new Float64Array(staffCount).fill(Infinity);
  const recordedTier = new Uint8Array(staffCount);
  const backoffUntil = new Float64Array(staffCount);
  const contacts = createContactMemory(staffCount);
  const openReveals = new Set<number>();
  const friction = new Uint8Array(staffCount * days);
  const alertsByDay = new Array<number>(days).fill(0);
  const exposed = strategies.map(() => new Set<number>());
  const firstAct = strategies.map(() => Infinity);
  const alerted = strategies.map(() => new Set<number>());
  const pendingSnoops = new Map<number, number[]>();
  const honest: HonestResult = {
    staff: 0,
    staffDays: 0,
    frictionDays: 0,
    stepUps: 0,
    approvalsAsked: 0,
    approvalsRefused: 0,
    quotaRefusals: 0,
    quotaRefusalsBy: {},
    quotaRefusalsHalved: 0,
    suspended: 0,
    raisedBy: {},
    alerts: 0,
    reveals: 0,
    followUps: 0,
  };
  for (let s = 0; s < staffCount; s++) if (honestStaff(s) && !gone[s]) honest.staff++;

  const hours = days * 24;
  const exposedByHour: Record<string, number[]> = Object.fromEntries(strategies.map((st) => [st.name, []]));
  const tracked = strategies.map((st) => st.members[0]!);
  const honestSample: number[] = [];
  for (
    let s = 0;
    s < staffCount && honestSample.length < HONEST_SAMPLE;
    s += Math.max(1, Math.floor(staffCount / HONEST_SAMPLE))
  ) {
    if (honestStaff(s) && !gone[s]) honestSample.push(s);
  }
  const scoreByHour: Record<string, number[]> = Object.fromEntries([
    ...strategies.map((st) => [st.name, [] as number[]]),
    ['honest (median)', []],
  ]);

  let events = 0;
  let acts = 0;
  const id = (s: number) => org.staffIds[s]!;
  const roleOf = (s: number) => roles[org.staffRole[s]!]!;
  const dayOfAt = (at: number) => Math.floor((at - EPOCH) / DAY);

  function contextOf(s: number, customer: number, at: number, followUp: boolean): RevealContext {
    const context: RevealContext = {};
    if (followUp) context.followUp = true;
    if (org.customerRegion[customer] !== org.staffRegion[s]) context.outOfRegion = true;
    if (!inShift(org, s, (at - EPOCH) % DAY)) context.offShift = true;
    const special = org.customerSpecial[customer];
    if (special === 1) context.special = 'vip';
    else if (special === 2) context.special = 'coworker';
    else if (org.customerSurname[customer] === org.staffSurname[s]) context.special = 'same_surname';
    return context;
  }

  /** After an observed act: a tier change is recorded; rising to high or critical is an alert; critical suspends. */
  function afterObserve(s: number, at: number): void {
    const tier = riskTiers.indexOf(model.tierOf(id(s), at));
    const from = recordedTier[s]!;
    if (tier === from) return;
    recordedTier[s] = tier;
    const si = chosen[s]!;
    if (si === -1 && tier > from && from === 0 && at >= EPOCH) {
      const top = model.assess(id(s), at).contributions[0]?.indicator ?? 'none';
      honest.raisedBy[top] = (honest.raisedBy[top] ?? 0) + 1;
    }
    if (tier <= from || tier < HIGH) return;
    if (si === -1 && at < EPOCH) return; // warm-up
    alert(s, at, si);
    if (tier === CRITICAL) {
      suspendedAt[s] = at;
      if (si === -1) honest.suspended++;
      else if (si >= 0) {
        const r = results[si]!;
        r.membersSuspended++;
        if (r.toSuspensionMs === null && at >= firstAct[si]!) r.toSuspensionMs = at - firstAct[si]!;
      }
    }
  }

  /**
   * An alert about member `s` (`attack`: their strategy, -1 for honest staff): counted for honest staff,
   * detection for an attacker (and every snoop of theirs in the day before it).
   */
  function alert(s: number, at: number, attack: number): void {
    if (attack === -1) {
      if (at < EPOCH) return; // warm-up
      honest.alerts++;
      alertsByDay[Math.min(days - 1, dayOfAt(at))]! += 1;
      return;
    }
    if (attack < 0) return;
    const r = results[attack]!;
    if (!alerted[attack]!.has(s)) {
      alerted[attack]!.add(s);
      r.membersAlerted++;
    }
    if (r.toAlertMs === null && at >= firstAct[attack]!) r.toAlertMs = at - firstAct[attack]!;
    const pending = pendingSnoops.get(s);
    if (pending) {
      for (const p of pending) if (at - p <= DAY) r.detectedWithinDay++;
      pendingSnoops.delete(s);
    }
  }

  function markFriction(s: number, at: number): void {
    if (chosen[s] === -1 && at >= EPOCH) friction[s * days + Math.min(days - 1, dayOfAt(at))] = 1;
  }

  function refuseForQuota(
    s: number,
    at: number,
    quota: keyof typeof quotaWindows | 'staff_initiated_day',
    attack: number,
    measured: boolean,
    tier: RiskTier,
  ): void {
    model.observe({ kind: 'denied', at, staffId: id(s), role: roleOf(s), code: 'QUOTA_EXCEEDED' });
    events++;
    afterObserve(s, at);
    if (attack >= 0) {
      results[attack]!.refused.quota++;
      // A careful attacker obeys Retry-After.
      if (strategies[attack]!.name !== 'snooping')
        backoffUntil[s] = at + (quota === 'staff_initiated_day' ? DAY : quotaWindows[quota]);
    } else if (measured) {
      honest.quotaRefusals++;
      honest.quotaRefusalsBy[quota] = (honest.quotaRefusalsBy[quota] ?? 0) + 1;
      if (tier !== 'normal') honest.quotaRefusalsHalved++;
      markFriction(s, at);
    }
  }

  function decide(a: Act): void {
    const s = a.staff;
    const attack = a.source === 'honest' ? -1 : strategyIndex.get(a.source)!;
    if (attack >= 0 && a.kind !== 'hr') {
      if (a.at >= suspendedAt[s]!) {
        results[attack]!.refused.suspended++; // planned, and stopped at sign-in
        return;
      }
      if (a.at < backoffUntil[s]!) return; // waits out the Retry-After: not attempted
      results[attack]!.attempts++;
      if (a.at < firstAct[attack]!) firstAct[attack] = a.at;
    }
    acts++;
    // A suspended account reaches nothing; its days are counted as friction at the end.
    if (a.at >= suspendedAt[s]!) return;
    const staffId = id(s);
    const role = roleOf(s);
    /** Counts for honest staff: a member of no strategy, after the warm-up. */
    const measured = chosen[s] === -1 && a.at >= EPOCH;
    const tier: RiskTier = model.tierOf(staffId, a.at);
    events++;
    switch (a.kind) {
      case 'search': {
        const quota = quotas.search(s, a.at, limitsAt(role, tier));
        if (quota) return refuseForQuota(s, a.at, quota, attack, measured, tier);
        model.observe({
          kind: 'search',
          at: a.at,
          staffId,
          role,
          matches: a.matches,
          patterned: a.patterned,
        });
        if (attack >= 0 && a.matches > 0 && strategies[attack]!.name === 'enumeration')
          results[attack]!.confirmed++;
        break;
      }
      case 'reveal': {
        const followUp = a.evidence === 'none' && contacts.isFollowUp(s, a.customer, a.at);
        const contained = containReveal(tier, a.evidence !== 'none' || followUp);
        if (attack === strategyIndex.get('snooping')) {
          results[attack]!.incidents++;
          if (riskTiers.indexOf(tier) >= HIGH) results[attack]!.detectedWithinDay++;
          else pendingSnoops.set(s, [...(pendingSnoops.get(s) ?? []).filter((p) => a.at - p <= DAY), a.at]);
        }
        if (measured) {
          if (contained.stepUp) honest.stepUps++;
          if (contained.approvalAsked) honest.approvalsAsked++;
          if (contained.refusedBy === 'approval') honest.approvalsRefused++;
          if (contained.stepUp || contained.approvalAsked) markFriction(s, a.at);
        } else if (attack >= 0 && contained.stepUp) results[attack]!.stepUps++;
        if (!contained.allowed) {
          if (attack >= 0) results[attack]!.refused.approval++;
          model.observe({ kind: 'denied', at: a.at, staffId, role, code: 'APPROVAL_REFUSED' });
          break;
        }
        // The real order (quotas.ts `reserveReveal`): the staff-initiated budget for evidence `none`, then the
        // reveal windows; only an admitted reveal counts in either.
        const initiated = a.evidence === 'none';
        if (initiated && quotas.initiatedRefuses(s, a.customer, a.at, staffInitiatedAt(role, tier)))
          return refuseForQuota(s, a.at, 'staff_initiated_day', attack, measured, tier);
        const quota = quotas.reveal(s, a.customer, a.at, limitsAt(role, tier));
        if (quota) return refuseForQuota(s, a.at, quota, attack, measured, tier);
        if (initiated) quotas.countInitiated(s, a.customer, a.at);
        openReveals.add(s * customers + a.customer);
        const revealed: WatchEvent = {
          kind: 'reveal',
          at: a.at,
          staffId,
          role,
          customerId: customerIdOf(a.customer),
          evidence: a.evidence,
          breakGlass: false,
          context: contextOf(s, a.customer, a.at, followUp),
        };
        model.observe(revealed);
        // The watcher's own rule: curiosity is alerted the moment it happens (watcher.service.ts `curious`).
        if (curious(revealed)) alert(s, a.at, attack);
        if (attack >= 0) exposed[attack]!.add(a.customer);
        else if (measured) {
          honest.reveals++;
          if (followUp) honest.followUps++;
        }
        break;
      }
      case 'close': {
        const key = s * customers + a.customer;
        const revealed = openReveals.delete(key);
        model.observe({ kind: 'case_closed', at: a.at, staffId, role, resolved: a.resolved, revealed });
        if (a.evidence !== 'none') contacts.remember(s, a.customer, a.at);
        break;
      }
      case 'mistake':
        model.observe({ kind: 'denied', at: a.at, staffId, role, code: 'CASE_NOT_ASSIGNED' });
        break;
      case 'hr':
        model.observe({ kind: 'hr', at: a.at, staffId, role, signal: 'termination' });
        gone[s] = 1;
        break;
    }
    events++;
    afterObserve(s, a.at);
    if (attack >= 0) {
      const r = results[attack]!;
      r.peakScore = Math.max(r.peakScore, model.assess(staffId, a.at).score);
    }
  }

  function sampleHour(hour: number): void {
    const at = EPOCH + (hour + 1) * HOUR;
    strategies.forEach((st, i) => {
      exposedByHour[st.name]!.push(exposed[i]!.size);
      scoreByHour[st.name]!.push(model.assess(id(tracked[i]!), at).score);
    });
    const scores = honestSample.map((s) => model.assess(id(s), at).score).sort((x, y) => x - y);
    scoreByHour['honest (median)']!.push(scores[scores.length >> 1] ?? 0);
  }

  let hour = 0;
  for (let day = -(options.warmupDays ?? 7); day < days; day++) {
    const planned: Act[] = [];
    for (let s = 0; s < staffCount; s++) {
      if (gone[s] || !worksOn(s, day) || EPOCH + day * DAY >= suspendedAt[s]!) continue;
      const rng = createRandom(seed, 10, s, day);
      const dayStart = EPOCH + day * DAY;
      planHonestDay(planned, org, workload, s, day, rng, (r) => contacts.recentCustomer(s, r, dayStart));
    }
    if (day >= 0) for (const st of strategies) st.planDay(planned, day);
    planned.sort((x, y) => x.at - y.at);
    for (const a of planned) {
      while (a.at >= EPOCH + (hour + 1) * HOUR && hour < hours) sampleHour(hour++);
      decide(a);
    }
    while (hour < (day + 1) * 24) sampleHour(hour++);
    if (day >= 0) options.onDay?.(day, days);
  }

  // A suspended honest member's working days from the suspension on are all friction.
  for (let s = 0; s < staffCount; s++) {
    if (!honestStaff(s) || suspendedAt[s] === Infinity) continue;
    for (let day = Math.max(0, dayOfAt(suspendedAt[s]!)); day < days; day++) {
      if (worksOn(s, day)) friction[s * days + day] = 1;
    }
  }
  const frictionByDay = new Array<number>(days).fill(0);
  const workingByDay = new Array<number>(days).fill(0);
  for (let s = 0; s < staffCount; s++) {
    if (!honestStaff(s) || gone[s]) continue;
    for (let day = 0; day < days; day++) {
      if (!worksOn(s, day)) continue;
      workingByDay[day]! += 1;
      honest.staffDays++;
      if (friction[s * days + day]) {
        frictionByDay[day]! += 1;
        honest.frictionDays++;
      }
    }
  }
  strategies.forEach((_, i) => (results[i]!.exposed = exposed[i]!.size));
  const seconds = (performance.now() - started) / 1000;
  return {
    params: { staff: staffCount, customers, days, seed },
    workload,
    strategies: results,
    honest,
    performance: { acts, events, seconds, eventsPerSecond: Math.round(events / seconds) },
    series: {
      exposedByHour,
      scoreByHour,
      frictionByDay: frictionByDay.map((f, d) => (workingByDay[d] ? f / workingByDay[d]! : 0)),
      alertsByDay,
    },
  };
}

function shuffled(n: number, rng: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export type { Organisation };
