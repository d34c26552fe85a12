/**
 * Triage of security alerts: security reads an alert with its evidence and the staff member's acts around it,
 * gives it to a colleague, then confirms it (which opens an investigation) or dismisses it (saying whether the
 * watch was wrong: the feedback the watcher's thresholds follow). Staff are named by pseudonym throughout;
 * unmasking one is an act of its own.
 *
 * Invariant: every act here is security's (`alert_triage`, by policy) with a fresh step-up, never on an alert
 * about oneself, ledgered ahead (reasons only as their SHA-256: the text stays in the alerts table), and an
 * alert is decided once (compare-and-set), whoever else tries at the same time.
 */
import { createHash } from 'node:crypto';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import { type SecurityAlertView, securityViews } from '../alerts.service.ts';
import type { AlertStore } from '../alerts.store.ts';
import type { AlertRecord } from '../alerts.types.ts';
import type { Pseudonyms } from '../pseudonyms.ts';
import { topIndicator } from './feedback.ts';
import { TIMELINE_DAYS, TIMELINE_LIMIT, type TimelineItem, timelineItem } from './timeline.ts';

const DAY_MS = 86_400_000;

export interface AlertDetail extends SecurityAlertView {
  /** Why it was decided (staff text about staff); null while undecided. */
  reason: string | null;
  investigationId: string | null;
  /**
   * Whether the decision has its ledger entry (`alert.confirmed` or `alert.dismissed` by the decider, written
   * just before it): false for a decision edited into the database; null while undecided.
   */
  decisionLedgered: boolean | null;
  /** The staff member's ledgered acts from 7 days before the alert, oldest first. */
  timeline: TimelineItem[];
}

export interface UnmaskedStaff {
  staffId: string;
  displayName: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function reasonOf(input: unknown): string {
  const reason = typeof input === 'string' ? input.trim() : '';
  if (reason.length < 10 || reason.length > 500)
    throw validationFailed([{ path: 'reason', problem: 'must be 10 to 500 characters' }]);
  return reason;
}

const alreadyDecided = () => new CustosError('ALERT_ALREADY_DECIDED', 'This alert was already decided');

export function createTriage(deps: {
  store: AlertStore;
  ledger: Pick<Ledger, 'record' | 'entriesByActorSince'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  /** Access's decision on a security act; throws (ledgered) when not allowed. */
  authorize: (p: StaffPrincipal, action: 'alert_read' | 'alert_triage') => Promise<void>;
  pseudonyms: Pseudonyms;
  /** The staff directory: a member's role and name (undefined: no such staff member). */
  staffMember: (
    staffId: string,
  ) => Promise<{ role: string; displayName: string; status: string } | undefined>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}) {
  const { store, ledger, pseudonyms, clock } = deps;

  /** Fresh step-up, security by policy; then the alert, never one about the caller. */
  async function triageable(p: StaffPrincipal, id: string): Promise<AlertRecord> {
    deps.sessions.requireStepUp(p.session);
    await deps.authorize(p, 'alert_triage');
    const alert = isUuid(id) ? await store.byId(id) : undefined;
    if (!alert) throw new CustosError('NOT_FOUND', 'No such alert');
    if (alert.staffId === p.staffId)
      throw new CustosError('SAME_PERSON', 'Someone else must handle an alert about you');
    return alert;
  }

  /** The decision's entry is among the decider's first acts from its time on (it is written just before). */
  async function decisionLedgered(alert: AlertRecord): Promise<boolean | null> {
    if (alert.acknowledgedAt === null) return null;
    if (alert.acknowledgedBy === null) return false;
    const type = alert.status === 'confirmed' ? 'alert.confirmed' : 'alert.dismissed';
    const entries = await ledger.entriesByActorSince(
      actorRef({ type: 'staff', id: alert.acknowledgedBy }),
      alert.acknowledgedAt,
      20,
    );
    return entries.some((e) => e.type === type && (e.data as { alertId?: unknown }).alertId === alert.id);
  }

  function undecided(alert: AlertRecord): void {
    if (alert.acknowledgedAt !== null) throw alreadyDecided();
  }

  function triaged(alert: AlertRecord, outcome: 'confirmed' | 'false_positive' | 'dismissed'): void {
    const indicator = topIndicator(alert);
    deps.bus.publish('alert.triaged', {
      alertId: alert.id,
      kind: alert.kind,
      outcome,
      ...(indicator === null ? {} : { indicator }),
    });
  }

  return {
    /** The alert, its investigation if confirmed, and the staff member's acts around it (security, not its subject). */
    async detail(p: StaffPrincipal, id: string): Promise<AlertDetail> {
      await deps.authorize(p, 'alert_read');
      const alert = isUuid(id) ? await store.byId(id) : undefined;
      if (!alert) throw new CustosError('NOT_FOUND', 'No such alert');
      if (alert.staffId === p.staffId)
        throw new CustosError('SAME_PERSON', 'An alert about you is for someone else to read');
      const entries = await ledger.entriesByActorSince(
        actorRef({ type: 'staff', id: alert.staffId }),
        alert.createdAt - TIMELINE_DAYS * DAY_MS,
        TIMELINE_LIMIT,
      );
      const investigation = await store.investigationOf(alert.id);
      const [view] = await securityViews([alert], pseudonyms);
      return {
        ...(view as SecurityAlertView),
        reason: alert.reason,
        investigationId: investigation?.id ?? null,
        decisionLedgered: await decisionLedgered(alert),
        timeline: await pseudonyms.mask(entries.map(timelineItem)),
      };
    },

    /** Give an undecided alert to an active security colleague (not the staff member it is about). */
    async assign(p: StaffPrincipal, id: string, assignee: unknown): Promise<void> {
      const alert = await triageable(p, id);
      undecided(alert);
      const member =
        typeof assignee === 'string' && isUuid(assignee) ? await deps.staffMember(assignee) : undefined;
      if (member?.role !== 'security' || member.status !== 'active')
        throw validationFailed([{ path: 'assignee', problem: 'must be an active security staff member' }]);
      if (assignee === alert.staffId)
        throw new CustosError('SAME_PERSON', 'An alert cannot be given to the staff member it is about');
      const to = assignee as string;
      await ledger.record(
        {
          type: 'alert.assigned',
          actor: actorRef(p.actor),
          data: { alertId: alert.id, staffId: alert.staffId, assignee: to },
        },
        async () => {
          if (!(await store.assign(alert.id, to))) throw alreadyDecided();
        },
      );
    },

    /** Confirm: the watch was right; opens an investigation of the staff member. Returns its id. */
    async confirm(p: StaffPrincipal, id: string, reasonIn: unknown): Promise<string> {
      const alert = await triageable(p, id);
      const reason = reasonOf(reasonIn);
      undecided(alert);
      const now = clock.now();
      const investigationId = uuidv7(now);
      const actor = actorRef(p.actor);
      await ledger.record(
        {
          type: 'alert.confirmed',
          actor,
          data: { alertId: alert.id, staffId: alert.staffId, kind: alert.kind, reasonSha256: sha256(reason) },
        },
        () =>
          ledger.record(
            {
              type: 'investigation.opened',
              actor,
              data: { investigationId, alertId: alert.id, staffId: alert.staffId },
            },
            async () => {
              const confirmed = await store.confirm(
                alert.id,
                { by: p.staffId, at: now, reason, indicator: topIndicator(alert) },
                {
                  id: investigationId,
                  alertId: alert.id,
                  staffId: alert.staffId,
                  openedBy: p.staffId,
                  openedAt: now,
                  status: 'open',
                },
              );
              if (!confirmed) throw alreadyDecided();
            },
          ),
      );
      triaged(alert, 'confirmed');
      return investigationId;
    },

    /** Dismiss, saying whether the watch was wrong (a false positive) or right but not worth acting on. */
    async dismiss(p: StaffPrincipal, id: string, reasonIn: unknown, falsePositive: unknown): Promise<void> {
      const alert = await triageable(p, id);
      const reason = reasonOf(reasonIn);
      if (typeof falsePositive !== 'boolean')
        throw validationFailed([{ path: 'falsePositive', problem: 'must be true or false' }]);
      undecided(alert);
      const now = clock.now();
      await ledger.record(
        {
          type: 'alert.dismissed',
          actor: actorRef(p.actor),
          data: {
            alertId: alert.id,
            staffId: alert.staffId,
            kind: alert.kind,
            falsePositive: falsePositive ? 1 : 0,
            reasonSha256: sha256(reason),
          },
        },
        async () => {
          const decision = { by: p.staffId, at: now, reason, indicator: topIndicator(alert) };
          if (!(await store.dismiss(alert.id, decision, falsePositive))) throw alreadyDecided();
        },
      );
      triaged(alert, falsePositive ? 'false_positive' : 'dismissed');
    },

    /** Who the alert's pseudonym stands for: ledgered before it is shown; never the caller themselves. */
    async unmask(p: StaffPrincipal, id: string, reasonIn: unknown): Promise<UnmaskedStaff> {
      const alert = await triageable(p, id);
      const reason = reasonOf(reasonIn);
      const now = clock.now();
      return ledger.record(
        {
          type: 'staff.unmasked',
          actor: actorRef(p.actor),
          data: { alertId: alert.id, staffId: alert.staffId, reasonSha256: sha256(reason) },
        },
        async () => {
          await store.insertUnmasking({
            id: uuidv7(now),
            alertId: alert.id,
            staffId: alert.staffId,
            by: p.staffId,
            at: now,
            reason,
          });
          const member = await deps.staffMember(alert.staffId);
          return { staffId: alert.staffId, displayName: member?.displayName ?? alert.staffId };
        },
      );
    },
  };
}

export type Triage = ReturnType<typeof createTriage>;
