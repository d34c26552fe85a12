/**
 * Security alerts: stored for the security centre, ledgered, and published on the bus the moment they are
 * raised (the notifier and the watcher subscribe). An alert names staff and subjects by id only; what
 * security reads names staff by pseudonym (pseudonyms.ts). Triage (assign, confirm, dismiss, unmask) is
 * triage/triage.service.ts; the verdicts' counts come back here as `feedback()` for the watcher.
 *
 * Invariant: reading alerts is an access decision like any other (the policy's `alert_read`), made here
 * first, not in the route.
 */
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../platform/actor.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import { uuidv7 } from '../platform/ids.ts';
import type { AlertStore } from './alerts.store.ts';
import type { AlertRecord, AlertSeverity, AlertStatus } from './alerts.types.ts';
import type { Pseudonyms } from './pseudonyms.ts';
import { type Feedback, feedbackOf } from './triage/feedback.ts';

export type { AlertSeverity, AlertStatus };

/** An alert as the composition root and the watch see it: staff by id. */
export interface AlertView {
  id: string;
  kind: string;
  severity: AlertSeverity;
  staffId: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** An alert as security sees it: staff (the alert's, its assignee, its decider) by pseudonym. */
export interface SecurityAlertView {
  id: string;
  kind: string;
  severity: AlertSeverity;
  status: AlertStatus;
  /** The staff member the alert is about, by pseudonym (by id with pseudonyms off). */
  staff: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  assignee: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  /** A dismissal's verdict; null unless dismissed. */
  falsePositive: boolean | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Alerts as security sees them: every staff id through the pseudonyms, the data and subjects of the whole
 * page masked at once (one directory lookup per distinct id).
 */
export async function securityViews(
  alerts: readonly AlertRecord[],
  pseudonyms: Pseudonyms,
): Promise<SecurityAlertView[]> {
  const masked = await pseudonyms.mask(alerts.map((a) => ({ subject: a.subject, data: a.data })));
  return alerts.map((alert, i) => ({
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    staff: pseudonyms.of(alert.staffId),
    subject: masked[i]?.subject ?? null,
    data: masked[i]?.data ?? {},
    createdAt: new Date(alert.createdAt).toISOString(),
    assignee: alert.assignee === null ? null : pseudonyms.of(alert.assignee),
    decidedAt: iso(alert.acknowledgedAt),
    decidedBy: alert.acknowledgedBy === null ? null : pseudonyms.of(alert.acknowledgedBy),
    falsePositive: alert.falsePositive,
  }));
}

export function createAlerts(deps: {
  store: AlertStore;
  /** May this staff member do this security act? Throws (ledgered) when not; access's gate implements it. */
  authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
  pseudonyms: Pseudonyms;
  ledger: Pick<Ledger, 'append'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}) {
  const { store, ledger, bus, clock, pseudonyms } = deps;
  return {
    async raise(
      by: Actor,
      alert: {
        kind: string;
        severity: AlertSeverity;
        staffId: string;
        subject?: string;
        data: Record<string, unknown>;
      },
    ): Promise<string> {
      const now = clock.now();
      const id = uuidv7(now);
      await ledger.append({
        type: 'alert.raised',
        actor: actorRef(by),
        ...(alert.subject ? { subject: alert.subject } : {}),
        data: { alertId: id, kind: alert.kind, staffId: alert.staffId, severity: alert.severity },
      });
      await store.insert({
        id,
        kind: alert.kind,
        severity: alert.severity,
        staffId: alert.staffId,
        subject: alert.subject ?? null,
        data: alert.data,
        createdAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
      });
      bus.publish('alert.raised', {
        alertId: id,
        kind: alert.kind,
        staffId: alert.staffId,
        severity: alert.severity,
      });
      return id;
    },

    /**
     * Alerts for a staff member allowed to read them, newest first: undecided ones (open and assigned) by
     * default, or those in one status; never those about the reader. Staff named by pseudonym.
     */
    async list(p: StaffPrincipal, status?: AlertStatus): Promise<SecurityAlertView[]> {
      await deps.authorize(p, 'alert_read');
      const records = status === undefined ? await store.open(200) : await store.withStatus(status, 200);
      // Never the alerts about the reader: no tip-off to a security member under watch.
      return securityViews(
        records.filter((alert) => alert.staffId !== p.staffId),
        pseudonyms,
      );
    },

    /** Undecided alerts, newest first (for the composition root and the watcher; staff go through `list`). */
    async open(): Promise<AlertView[]> {
      return (await store.open(200)).map((alert) => ({
        id: alert.id,
        kind: alert.kind,
        severity: alert.severity,
        staffId: alert.staffId,
        subject: alert.subject,
        data: alert.data,
        createdAt: new Date(alert.createdAt).toISOString(),
      }));
    },

    /**
     * Security's verdicts so far, per alert kind and (for `risk_tier`) top indicator, with the factor the
     * watcher may raise that indicator's threshold by (triage/feedback.ts). For the watcher.
     */
    async feedback(): Promise<Feedback[]> {
      return (await store.feedback()).map(feedbackOf);
    },

    /** `feedback()` for a staff member allowed to read alerts. */
    async feedbackFor(p: StaffPrincipal): Promise<Feedback[]> {
      await deps.authorize(p, 'alert_read');
      return this.feedback();
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
