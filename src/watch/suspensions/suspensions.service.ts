/**
 * A person reviews every automatic suspension (PIPL art. 24, GDPR art. 22): the watcher opens a review when it
 * suspends an account (due within `reviewWithinMs`, 24 h by default); security lifts it (the account is active
 * again and the watcher's score for it cleared) or confirms it, with a reason, never for themselves; a review
 * not done in time raises its own alert, once.
 *
 * Invariant: each act is ledgered ahead (`risk.suspended`, `risk.suspension_reviewed`); a review is decided
 * once (compare-and-set), whoever else tries at the same time.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { Alerts } from '../alerts.service.ts';
import type { Pseudonyms } from '../pseudonyms.ts';
import type { SuspensionStore } from './suspensions.store.ts';
import type { SuspensionRecord } from './suspensions.types.ts';

export const DEFAULT_REVIEW_WITHIN_MS = 24 * 3_600_000;

/** A review owed, as security sees it: the staff member by pseudonym (pseudonyms.ts). */
export interface SuspensionView {
  id: string;
  staff: string;
  suspendedAt: string;
  reviewDueAt: string;
}

const view = (s: SuspensionRecord, pseudonyms: Pick<Pseudonyms, 'of'>): SuspensionView => ({
  id: s.id,
  staff: pseudonyms.of(s.staffId),
  suspendedAt: new Date(s.suspendedAt).toISOString(),
  reviewDueAt: new Date(s.reviewDueAt).toISOString(),
});

export function createSuspensions(deps: {
  store: SuspensionStore;
  ledger: Pick<Ledger, 'record'>;
  alerts: Pick<Alerts, 'raise'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  /** Access's decision on a security act (reviews are security's, by policy). */
  authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
  pseudonyms: Pick<Pseudonyms, 'of'>;
  /** Identity: make the account active again. */
  reinstate: (by: Actor, staffId: string) => Promise<void>;
  /** The watcher: clear the staff member's score (a person found the suspension unwarranted). */
  forgive: (staffId: string, at: number) => void;
  clock: Clock;
  reviewWithinMs?: number;
}) {
  const { store, ledger, clock } = deps;
  const within = deps.reviewWithinMs ?? DEFAULT_REVIEW_WITHIN_MS;

  return {
    /** The watcher suspended `staffId`: open the review a person owes them. */
    async opened(staffId: string): Promise<string> {
      const now = clock.now();
      const id = uuidv7(now);
      const reviewDueAt = now + within;
      await ledger.record(
        {
          type: 'risk.suspended',
          actor: actorRef(systemActor),
          data: { suspensionId: id, staffId, reviewDueAt },
        },
        () => store.insert({ id, staffId, suspendedAt: now, reviewDueAt }),
      );
      return id;
    },

    async pending(p: StaffPrincipal): Promise<SuspensionView[]> {
      await deps.authorize(p, 'alert_read');
      return (await store.unreviewed()).map((s) => view(s, deps.pseudonyms));
    },

    /** Lift or confirm, with a reason: security, fresh step-up, never one's own suspension. */
    async review(p: StaffPrincipal, id: string, outcome: unknown, reasonIn: unknown): Promise<void> {
      deps.sessions.requireStepUp(p.session);
      await deps.authorize(p, 'alert_read');
      if (outcome !== 'lift' && outcome !== 'confirm')
        throw validationFailed([{ path: 'outcome', problem: 'must be lift or confirm' }]);
      const reason = typeof reasonIn === 'string' ? reasonIn.trim() : '';
      if (reason.length < 10 || reason.length > 500)
        throw validationFailed([{ path: 'reason', problem: 'must be 10 to 500 characters' }]);
      const suspension = isUuid(id) ? await store.byId(id) : undefined;
      if (!suspension) throw new CustosError('NOT_FOUND', 'No such suspension');
      if (suspension.staffId === p.staffId)
        throw new CustosError('SAME_PERSON', 'Someone else must review your suspension');
      if (suspension.reviewedAt !== null)
        throw new CustosError('ALREADY_REVIEWED', 'This suspension was already reviewed');
      const now = clock.now();
      const result = outcome === 'lift' ? 'lifted' : 'confirmed';
      await ledger.record(
        {
          type: 'risk.suspension_reviewed',
          actor: actorRef(p.actor),
          data: { suspensionId: id, staffId: suspension.staffId, outcome: result },
        },
        async () => {
          if (!(await store.review(id, p.staffId, now, result, reason)))
            throw new CustosError('ALREADY_REVIEWED', 'This suspension was already reviewed');
        },
      );
      if (result === 'lifted') {
        deps.forgive(suspension.staffId, now);
        await deps.reinstate(p.actor, suspension.staffId);
      }
    },

    /** Raise an alert for each review gone overdue (once each); run every minute. Returns how many. */
    async raiseOverdue(): Promise<number> {
      const overdue = await store.claimOverdue(clock.now());
      for (const s of overdue) {
        await deps.alerts.raise(systemActor, {
          kind: 'risk_suspension_review_overdue',
          severity: 'high',
          staffId: s.staffId,
          data: { suspensionId: s.id, reviewDueAt: new Date(s.reviewDueAt).toISOString() },
        });
      }
      return overdue.length;
    },
  };
}

export type Suspensions = ReturnType<typeof createSuspensions>;
