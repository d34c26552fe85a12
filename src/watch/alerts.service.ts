/**
 * Security alerts: stored for the security centre, ledgered, and published on the bus the moment they are
 * raised (the notifier and the watcher subscribe). An alert names staff and subjects by id only.
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
import type { AlertSeverity } from './alerts.types.ts';

export type { AlertSeverity };

export interface AlertView {
  id: string;
  kind: string;
  severity: AlertSeverity;
  staffId: string;
  subject: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export function createAlerts(deps: {
  store: AlertStore;
  /** May this staff member do this security act? Throws (ledgered) when not; access's gate implements it. */
  authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
  ledger: Pick<Ledger, 'append'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}) {
  const { store, ledger, bus, clock } = deps;
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

    /** Open alerts, newest first, for a staff member allowed to read them. */
    async listOpen(p: StaffPrincipal): Promise<AlertView[]> {
      await deps.authorize(p, 'alert_read');
      return this.open();
    },

    /** Open alerts, newest first (for the composition root and the watcher; staff go through `listOpen`). */
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
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
