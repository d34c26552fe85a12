/**
 * The insider-risk watcher: follows every access decision on the bus, scores each staff member with the
 * risk model, and contains what the score says — DESIGN.md §2's "watcher: observe(event)".
 *
 *   normal   → nothing
 *   elevated → each reveal spends its own step-up, quotas halved (access reads `tierOf`)
 *   high     → the policy refuses reveal and break-glass; security is alerted
 *   critical → the account is suspended (every session ends), security is alerted at `critical`
 *
 * The model is updated synchronously when the event arrives, so a tier takes effect on the staff member's
 * next request. A tier change is ledgered with its explanation (`risk.tier_changed`) — the record the staff
 * member is shown and contests. Containment is reviewed by people: a suspension is lifted by security, not by
 * the score decaying.
 *
 * Invariant: fail closed. `tierOf` never throws for a known or unknown member; the access gate treats a
 * lookup that throws as `critical`.
 */
import type { EntryPayloads, LedgerEntry } from '../ledger/entry-types.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { actorRef, staffIdOfRef, systemActor } from '../platform/actor.ts';
import type { BusEvent, EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import { createKeyedQueue } from '../platform/keyed-queue.ts';
import type { Logger } from '../platform/logger.ts';
import type { Alerts } from './alerts.service.ts';
import type { RiskModel } from './risk/risk-model.ts';
import {
  type Assessment,
  evidenceKinds,
  type HrSignal,
  hrSignals,
  type Indicator,
  type RevealContext,
  type RiskTier,
  riskTiers,
  type SpecialCustomer,
  specialCustomers,
  type WatchEvent,
} from './risk/risk.types.ts';

const rank = (tier: RiskTier) => riskTiers.indexOf(tier);

/** An access decision from the bus as the model sees it; undefined for decisions it does not score. */
export function watchEventOf(event: BusEvent<'access.decided'>): WatchEvent | undefined {
  const d = event.data;
  const base = { at: event.at, staffId: d.staffId, role: d.role };
  // A refusal the watcher's own hold caused is not more probing.
  if (!d.allowed)
    return d.code === 'RISK_HOLD' ? undefined : { ...base, kind: 'denied', code: d.code ?? 'DENIED' };
  if (d.action === 'reveal' && d.customerId !== undefined) {
    const evidence = d.evidence && evidenceKinds.includes(d.evidence) ? d.evidence : 'none';
    return {
      ...base,
      kind: 'reveal',
      customerId: d.customerId,
      evidence,
      breakGlass: d.breakGlass === true,
      ...(d.caseId === undefined ? {} : { caseId: d.caseId }),
      ...(d.context === undefined ? {} : { context: d.context }),
    };
  }
  if (d.action === 'search' && d.matches !== undefined)
    return { ...base, kind: 'search', matches: d.matches, ...(d.patterned ? { patterned: true } : {}) };
  return undefined;
}

/** An HR signal as the model sees it; undefined for those it does not score (`role_change`: the role rides on events). */
export function hrEventOf(staffId: string, role: string, signal: string, at: number): WatchEvent | undefined {
  return (hrSignals as readonly string[]).includes(signal)
    ? { kind: 'hr', at, staffId, role, signal: signal as HrSignal }
    : undefined;
}

/** A closed case from the bus as the model sees it. */
export function watchEventOfClosure(event: BusEvent<'case.closed'>): WatchEvent {
  const d = event.data;
  return {
    kind: 'case_closed',
    at: event.at,
    staffId: d.staffId,
    role: d.role,
    resolved: isResolved(d.resolution),
    revealed: d.revealed,
  };
}

/** Did a case end with something done for the customer? (Access's `caseResolutions`; watch does not import access.) */
const isResolved = (resolution: string | undefined) => resolution === 'resolved' || resolution === 'referred';

/** A reveal the customer did not start, of a VIP, co-worker or same-surname customer: alerted at once. */
export function curious(event: WatchEvent): event is Extract<WatchEvent, { kind: 'reveal' }> {
  return (
    event.kind === 'reveal' &&
    event.evidence === 'none' &&
    !event.breakGlass &&
    event.context?.special !== undefined &&
    event.context.followUp !== true
  );
}

/** What the watcher replays from the ledger after a restart. */
const replayed = [
  'customer.revealed',
  'case.closed',
  'customer.viewed',
  'access.denied',
  'customer.searched',
  'risk.tier_changed',
  'risk.suspension_reviewed',
  'alert.raised',
  'hr.signal',
] as const;
type Replayed = (typeof replayed)[number];

/** A staff act from the ledger as the model sees it (the role from the directory); undefined if not scored. */
export function watchEventFromEntry(entry: LedgerEntry<Replayed>, role: string): WatchEvent | undefined {
  const staffId = staffIdOfRef(entry.actor);
  if (staffId === undefined) return undefined;
  const base = { at: entry.at, staffId, role };
  switch (entry.type) {
    case 'customer.revealed': {
      const d = entry.data as EntryPayloads['customer.revealed'];
      return {
        ...base,
        kind: 'reveal',
        customerId: d.customerId,
        evidence: d.evidence ?? 'none',
        breakGlass: d.breakGlass === true,
        caseId: d.caseId,
        ...(d.context === undefined ? {} : { context: revealContextOf(d.context) }),
      };
    }
    case 'case.closed': {
      const d = entry.data as EntryPayloads['case.closed'];
      // Entries from before resolutions were kept say nothing either way.
      if (d.resolution === undefined) return undefined;
      return {
        ...base,
        kind: 'case_closed',
        resolved: isResolved(d.resolution),
        revealed: d.revealed === true,
      };
    }
    case 'access.denied': {
      const d = entry.data as EntryPayloads['access.denied'];
      return d.code === 'RISK_HOLD' ? undefined : { ...base, kind: 'denied', code: d.code };
    }
    case 'customer.viewed':
      return undefined; // replayed for honey touches only
    case 'customer.searched': {
      const d = entry.data as EntryPayloads['customer.searched'];
      return { ...base, kind: 'search', matches: d.matches, ...(d.patterned ? { patterned: true } : {}) };
    }
    default:
      return undefined;
  }
}

/** The flags as ledgered, checked (an unknown special kind is dropped). */
function revealContextOf(c: NonNullable<EntryPayloads['customer.revealed']['context']>): RevealContext {
  return {
    ...(c.followUp ? { followUp: true } : {}),
    ...(c.outOfRegion ? { outOfRegion: true } : {}),
    ...(c.offShift ? { offShift: true } : {}),
    ...(specialCustomers.includes(c.special as SpecialCustomer)
      ? { special: c.special as SpecialCustomer }
      : {}),
  };
}

export function createWatcher(deps: {
  model: RiskModel;
  bus: Pick<EventBus, 'subscribe'>;
  ledger: Pick<Ledger, 'append'>;
  alerts: Pick<Alerts, 'raise'>;
  /** Is this customer a honey record? (No honey: never.) */
  isHoney?: (customerId: string) => boolean;
  /** Suspend the staff member's account (identity), ending every session. */
  suspend: (staffId: string) => Promise<unknown>;
  /** After a suspension: open its review by a person (suspensions). */
  suspended?: (staffId: string) => Promise<unknown>;
  clock: Clock;
  logger: Pick<Logger, 'error'>;
}) {
  const { model, ledger, alerts, clock } = deps;
  /** The tier last ledgered per staff member (absent: normal). */
  const recorded = new Map<string, RiskTier>();
  const oneAtATime = createKeyedQueue();
  const settling = new Set<Promise<void>>();

  async function record(a: Assessment): Promise<void> {
    const from = recorded.get(a.staffId) ?? 'normal';
    if (a.tier === from) return;
    await ledger.append({
      type: 'risk.tier_changed',
      actor: actorRef(systemActor),
      // The ledger holds integers only: points and baselines rounded to whole points.
      data: {
        staffId: a.staffId,
        from,
        to: a.tier,
        score: Math.round(a.score),
        indicators: a.contributions.map((c) => ({
          indicator: c.indicator,
          value: c.value,
          baseline: Math.round(c.baseline),
          points: Math.round(c.points),
        })),
      },
    });
    recorded.set(a.staffId, a.tier);
    if (rank(a.tier) <= rank(from) || rank(a.tier) < rank('high')) return;
    await alerts.raise(systemActor, {
      kind: 'risk_tier',
      severity: a.tier === 'critical' ? 'critical' : 'high',
      staffId: a.staffId,
      data: { tier: a.tier, score: a.score, indicators: a.contributions },
    });
    if (a.tier === 'critical') {
      await deps.suspend(a.staffId);
      await deps.suspended?.(a.staffId);
    }
  }

  const isHoney = deps.isHoney ?? (() => false);

  /** The customers an event names, for the honey check. */
  function customersOf(d: { customerId?: string; customerIds?: string[] }): string[] {
    return [...(d.customerId === undefined ? [] : [d.customerId]), ...(d.customerIds ?? [])];
  }

  function observe(event: WatchEvent): void {
    model.observe(event);
    const staffId = event.staffId;
    const run = oneAtATime(staffId, () => record(model.assess(staffId, clock.now())))
      .catch((error: unknown) => deps.logger.error({ err: error, staffId }, 'watcher: containment failed'))
      .finally(() => settling.delete(run));
    settling.add(run);
  }

  /**
   * Rebuild the model from the ledger's last `days` days (the ledger is the source of truth): every scored
   * act in order, and the tiers last ledgered, so a restart forgets no harvester and repeats no alert.
   */
  async function rebuild(
    ledgerReplay: Pick<Ledger, 'replay'>,
    roleOf: (staffId: string) => Promise<string | undefined>,
    days: number,
    fromIndex = 0,
  ): Promise<number> {
    const roles = new Map<string, string | undefined>();
    let events = 0;
    for await (const entry of ledgerReplay.replay(replayed, clock.now() - days * 86_400_000, fromIndex)) {
      if (entry.type === 'alert.raised') {
        // A honey touch seen live (a search hit names no customer in the ledger) is replayed from its alert.
        const d = entry.data as EntryPayloads['alert.raised'];
        if (d.kind !== 'honey_record_touched') continue;
        if (!roles.has(d.staffId)) roles.set(d.staffId, await roleOf(d.staffId));
        const role = roles.get(d.staffId);
        if (role !== undefined)
          model.observe({
            kind: 'honey_touch',
            at: entry.at,
            staffId: d.staffId,
            role,
            customerId: entry.subject ?? '',
          });
        continue;
      }
      if (entry.type === 'hr.signal') {
        // Acted on by an integration token: the staff member is in the entry, not its actor.
        const d = entry.data as EntryPayloads['hr.signal'];
        if (!roles.has(d.staffId)) roles.set(d.staffId, await roleOf(d.staffId));
        const role = roles.get(d.staffId);
        const event = role === undefined ? undefined : hrEventOf(d.staffId, role, d.signal, entry.at);
        if (event) model.observe(event);
        continue;
      }
      if (entry.type === 'risk.suspension_reviewed') {
        const d = entry.data as EntryPayloads['risk.suspension_reviewed'];
        if (d.outcome === 'lifted') forgive(d.staffId, entry.at);
        continue;
      }
      if (entry.type === 'risk.tier_changed') {
        const d = entry.data as EntryPayloads['risk.tier_changed'];
        if ((riskTiers as readonly string[]).includes(d.to)) recorded.set(d.staffId, d.to as RiskTier);
        continue;
      }
      const staffId = staffIdOfRef(entry.actor);
      if (staffId === undefined) continue;
      if (!roles.has(staffId)) roles.set(staffId, await roleOf(staffId));
      const role = roles.get(staffId);
      const event = role === undefined ? undefined : watchEventFromEntry(entry, role);
      if (event) {
        model.observe(event);
        events += 1;
      }
      const touched = (entry.data as { customerId?: string }).customerId;
      if (role !== undefined && touched !== undefined && isHoney(touched)) {
        model.observe({ kind: 'honey_touch', at: entry.at, staffId, role, customerId: touched });
      }
    }
    return events;
  }

  /** A person lifted the member's suspension: the score starts again, and so does the tier last recorded. */
  function forgive(staffId: string, at: number): void {
    model.forgive(staffId, at);
    recorded.set(staffId, 'normal');
  }

  /** A honey record was reached: certain, critical at once, and security told which one. */
  function honeyTouched(staffId: string, role: string, customerId: string, at: number): void {
    observe({ kind: 'honey_touch', at, staffId, role, customerId });
    const run = alerts
      .raise(systemActor, {
        kind: 'honey_record_touched',
        severity: 'critical',
        staffId,
        subject: customerId,
        data: {},
      })
      .then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: error, staffId }, 'watcher: honey alert failed'),
      )
      .finally(() => settling.delete(run));
    settling.add(run);
  }

  /** Curiosity is alerted the moment it happens (it may not move the tier far): security sees it today. */
  function curiosityAlert(event: Extract<WatchEvent, { kind: 'reveal' }>): void {
    const run = alerts
      .raise(systemActor, {
        kind: 'special_customer_access',
        severity: 'medium',
        staffId: event.staffId,
        subject: event.customerId,
        data: {
          special: event.context?.special ?? 'unknown',
          ...(event.caseId ? { caseId: event.caseId } : {}),
        },
      })
      .then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: error }, 'watcher: curiosity alert failed'),
      )
      .finally(() => settling.delete(run));
    settling.add(run);
  }

  const unsubscribeClosures = deps.bus.subscribe('case.closed', (event) =>
    observe(watchEventOfClosure(event)),
  );
  // The bus event's own time (when Custos received it), as the ledger entry replayed after a restart has it.
  const unsubscribeHr = deps.bus.subscribe('hr.signal', (event) => {
    const watched = hrEventOf(event.data.staffId, event.data.role, event.data.signal, event.at);
    if (watched) observe(watched);
  });
  const unsubscribe = deps.bus.subscribe('access.decided', (event) => {
    const watched = watchEventOf(event);
    if (watched) observe(watched);
    if (watched && curious(watched)) curiosityAlert(watched);
    for (const customerId of customersOf(event.data)) {
      if (isHoney(customerId)) honeyTouched(event.data.staffId, event.data.role, customerId, event.at);
    }
  });

  return {
    observe,
    rebuild,
    forgive,
    /** The model and the tiers last ledgered, as bytes (a snapshot: derived state, rebuildable from the ledger). */
    exportState(): Buffer {
      const modelState = JSON.parse(model.exportState().toString('utf8')) as unknown;
      return Buffer.from(JSON.stringify({ recorded: [...recorded], model: modelState }));
    },
    /** Restore from `exportState`'s bytes; false (nothing changed) when they are not readable. */
    importState(bytes: Buffer): boolean {
      try {
        const parsed = JSON.parse(bytes.toString('utf8')) as {
          recorded: [string, RiskTier][];
          model: unknown;
        };
        if (!Array.isArray(parsed.recorded)) return false;
        if (!model.importState(Buffer.from(JSON.stringify(parsed.model)))) return false;
        recorded.clear();
        for (const [staffId, tier] of parsed.recorded)
          if (riskTiers.includes(tier)) recorded.set(staffId, tier);
        return true;
      } catch {
        return false;
      }
    },
    /** Triage feedback: an indicator security keeps dismissing earns less (risk-model.ts `dampen`). */
    dampen: (indicator: Indicator, factor: number): void => model.dampen(indicator, factor),
    /** The tier now (a lookup on the reveal path). */
    tierOf: (staffId: string): RiskTier => model.tierOf(staffId, clock.now()),
    /** The score, tier and explanation now: what the staff member and security are shown. */
    assess: (staffId: string): Assessment => model.assess(staffId, clock.now()),
    /** Wait until every ledgered tier change, alert and suspension under way has happened. */
    async settled(): Promise<void> {
      while (settling.size > 0) await Promise.all(settling);
    },
    async close(): Promise<void> {
      unsubscribe();
      unsubscribeClosures();
      unsubscribeHr();
      while (settling.size > 0) await Promise.all(settling);
    },
  };
}

export type Watcher = ReturnType<typeof createWatcher>;
