/**
 * Break-glass: access to a customer without an assigned case, for emergencies. It needs a reason and a
 * fresh second factor, opens a short emergency case (one hour) for the requester alone, raises a high alert
 * to security at once, and must be reviewed by security (not the requester) within 24 hours; a review not
 * done by then raises a second high alert, once. The watcher weighs it heavily (it sees `case.opened` with
 * `breakGlass: true` on the bus).
 *
 * It cannot be farmed: a staff member has at most one unreviewed break-glass at a time and a weekly cap
 * (`breakGlassWeeklyCap`); a review of `unjustified` withdraws their break-glass, in the same transaction,
 * and raises a critical alert, until a security member other than them restores it.
 *
 * Invariants: everything done under break-glass goes through the ordinary case routes, so it is decided,
 * ledgered and counted like any other access; break-glass only changes what the policy sees. Each overdue
 * review raises exactly one overdue alert, however many nodes run the check. One staff member's openings
 * are checked and stored one at a time on a node (a keyed queue), so parallel requests cannot all pass.
 */
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import { type AccessGate, roleOnly } from '../access-gate.ts';
import type { Alerts } from '../../watch/alerts.service.ts';
import type { CaseStore } from '../cases/cases.store.ts';
import { caseView, type CaseView } from '../cases/case-state.ts';
import type { Cases } from '../cases/cases.service.ts';
import { type CasePurpose, casePurposes } from '../policy/access-query.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { BreakGlassStore } from './break-glass.store.ts';

export const BREAK_GLASS_TTL_MS = 3600_000;
export const REVIEW_WITHIN_MS = 24 * 3600_000;
/** The window of the weekly cap. */
export const BREAK_GLASS_WEEK_MS = 7 * 24 * 3600_000;
export const reviewOutcomes = ['justified', 'unjustified'] as const;
/** Overdue reviews alerted per run at most; the rest wait a minute. */
const OVERDUE_ALERTS_PER_RUN = 100;

export interface PendingReview extends CaseView {
  reviewDueAt: string;
  overdue: boolean;
}

export function createBreakGlass(deps: {
  cases: Cases;
  store: CaseStore;
  limits: BreakGlassStore;
  /** Break-glass one staff member may open in any 7 days. */
  weeklyCap: number;
  vault: Pick<VaultService, 'exists' | 'sealNote'>;
  gate: AccessGate;
  alerts: Pick<Alerts, 'raise'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { cases, store, limits, gate, alerts, ledger, clock } = deps;
  const oneAtATime = createKeyedQueue();

  /** Refuse (ledgered) a staff member whose break-glass is withdrawn, unreviewed, or over the weekly cap. */
  async function requireAllowance(p: StaffPrincipal, customerId: string): Promise<void> {
    const refuse = (
      code: 'BREAK_GLASS_WITHDRAWN' | 'BREAK_GLASS_UNREVIEWED' | 'BREAK_GLASS_LIMIT',
      m: string,
    ) => gate.refuse(p, 'break_glass', code, { customerId }, [], m);
    if (await limits.withdrawal(p.staffId)) {
      throw await refuse(
        'BREAK_GLASS_WITHDRAWN',
        'Your break-glass was withdrawn after an unjustified review: security must restore it',
      );
    }
    const usage = await limits.usage(p.staffId, clock.now() - BREAK_GLASS_WEEK_MS);
    if (usage.unreviewed > 0) {
      throw await refuse(
        'BREAK_GLASS_UNREVIEWED',
        'Your last break-glass is not reviewed yet: ask security to review it first',
      );
    }
    if (usage.openedSince >= deps.weeklyCap) {
      throw await refuse('BREAK_GLASS_LIMIT', `At most ${deps.weeklyCap} break-glass in 7 days`);
    }
  }

  /** Past the policy: the allowance, then the case and its alert (one staff member at a time). */
  async function openChecked(
    p: StaffPrincipal,
    customerId: string,
    purpose: CasePurpose,
    reason: string,
  ): Promise<CaseView> {
    await requireAllowance(p, customerId);
    const now = clock.now();
    const id = uuidv7(now);
    const opened = await cases.insertCase(p, {
      id,
      customerId: customerId,
      purpose,
      channel: 'staff_initiated',
      status: 'open',
      breakGlass: true,
      reasonSealed: await deps.vault.sealNote(customerId, `break-glass-reason/${id}`, reason),
      openedBy: p.staffId,
      openedAt: now,
      expiresAt: now + BREAK_GLASS_TTL_MS,
      closedAt: null,
      closedBy: null,
      customerPresentAt: null,
      presenceFailures: 0,
      reviewDueAt: now + REVIEW_WITHIN_MS,
      reviewedAt: null,
      reviewedBy: null,
      reviewOutcome: null,
      reviewAlertedAt: null,
      assignees: [p.staffId],
    });
    await alerts.raise(p.actor, {
      kind: 'break_glass',
      severity: 'high',
      staffId: p.staffId,
      subject: customerId,
      data: {
        caseId: id,
        role: p.role,
        purpose,
        reviewDueAt: new Date(now + REVIEW_WITHIN_MS).toISOString(),
      },
    });
    return opened;
  }

  return {
    async open(
      p: StaffPrincipal,
      input: { customerId: string; purpose: string; reason: string },
    ): Promise<CaseView> {
      deps.sessions.requireStepUp(p.session);
      if (!(casePurposes as readonly string[]).includes(input.purpose)) {
        throw validationFailed([{ path: 'purpose', problem: `must be one of ${casePurposes.join(', ')}` }]);
      }
      const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
      if (reason.length < 10 || reason.length > 500) {
        throw validationFailed([{ path: 'reason', problem: 'must be 10–500 characters' }]);
      }
      if (!(await deps.vault.exists(input.customerId)))
        throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
      const purpose = input.purpose as CasePurpose;
      await gate.require(
        p,
        { ...roleOnly('break_glass'), purpose, channel: 'staff_initiated', breakGlass: true },
        { customerId: input.customerId },
      );
      return oneAtATime(p.staffId, () => openChecked(p, input.customerId, purpose, reason));
    },

    /** Break-glass cases not yet reviewed, oldest due first; `overdue` past the 24 h. */
    async pendingReviews(p: StaffPrincipal): Promise<PendingReview[]> {
      await gate.requireAction(p, 'alert_read');
      const now = clock.now();
      const out: PendingReview[] = [];
      for (const record of await store.pendingReviews(200)) {
        const due = Number(record.reviewDueAt);
        out.push({ ...caseView(record, now), reviewDueAt: new Date(due).toISOString(), overdue: now > due });
      }
      return out;
    },

    /**
     * One high `break_glass_review_overdue` alert per break-glass case past its review date and still
     * unreviewed, raised once: the case is claimed first (so two nodes never both raise it), and a claim
     * whose alert could not be raised is given back for the next run. Returns how many were raised.
     * `start()` runs it every minute.
     */
    async raiseOverdueAlerts(): Promise<number> {
      let raised = 0;
      for (const overdue of await store.overdueUnalertedReviews(clock.now(), OVERDUE_ALERTS_PER_RUN)) {
        if (!(await store.claimReviewAlert(overdue.id, clock.now()))) continue;
        try {
          await alerts.raise(systemActor, {
            kind: 'break_glass_review_overdue',
            severity: 'high',
            staffId: overdue.openedBy,
            subject: overdue.customerId,
            data: { caseId: overdue.id, reviewDueAt: new Date(Number(overdue.reviewDueAt)).toISOString() },
          });
          raised++;
        } catch (error) {
          await store.releaseReviewAlert(overdue.id);
          throw error;
        }
      }
      return raised;
    },

    /**
     * Security's review: justified or not. Never by the person who broke the glass. `unjustified`
     * withdraws the opener's break-glass (with the review, one transaction) and raises a critical
     * `break_glass_withdrawn` alert naming the account to contain.
     */
    async review(p: StaffPrincipal, caseId: string, outcome: string): Promise<void> {
      await gate.requireAction(p, 'alert_read', { caseId });
      if (!(reviewOutcomes as readonly string[]).includes(outcome)) {
        throw validationFailed([{ path: 'outcome', problem: `must be one of ${reviewOutcomes.join(', ')}` }]);
      }
      const record = isUuid(caseId) ? await store.byId(caseId) : undefined;
      if (!record || !record.breakGlass) throw new CustosError('CASE_NOT_FOUND', 'No such break-glass case');
      if (record.openedBy === p.staffId)
        throw new CustosError('SAME_PERSON', 'You cannot review your own break-glass');
      if (record.reviewedAt !== null)
        throw new CustosError('ALREADY_REVIEWED', 'This break-glass was already reviewed');
      const withdraw = outcome === 'unjustified';
      await ledger.record(
        {
          type: 'break_glass.reviewed',
          actor: actorRef(p.actor),
          subject: record.customerId,
          data: { caseId, staffId: record.openedBy, outcome, ...(withdraw ? { withdrawn: true } : {}) },
        },
        async () => {
          const review = { caseId, by: p.staffId, outcome, at: clock.now() };
          if (!(await limits.review(review, withdraw ? { staffId: record.openedBy } : undefined))) {
            throw new CustosError('ALREADY_REVIEWED', 'This break-glass was already reviewed');
          }
        },
      );
      if (withdraw) {
        await alerts.raise(p.actor, {
          kind: 'break_glass_withdrawn',
          severity: 'critical',
          staffId: record.openedBy,
          subject: record.customerId,
          data: {
            caseId,
            reviewedBy: p.staffId,
            contain:
              'Break-glass withdrawn from this account until security restores it; review its other access',
          },
        });
      }
    },

    /**
     * Give back the break-glass an unjustified review withdrew: security, fresh step-up, never for oneself.
     * Refused (`NOT_FOUND`) when nothing was withdrawn.
     */
    async restore(p: StaffPrincipal, staffId: string): Promise<void> {
      deps.sessions.requireStepUp(p.session);
      await gate.requireAction(p, 'alert_read');
      if (staffId === p.staffId)
        throw new CustosError('SAME_PERSON', 'Someone else must restore your break-glass');
      if (!(await limits.withdrawal(staffId)))
        throw new CustosError('NOT_FOUND', 'This staff member has break-glass');
      await ledger.record(
        { type: 'break_glass.restored', actor: actorRef(p.actor), data: { staffId } },
        async () => {
          if (!(await limits.restore(staffId)))
            throw new CustosError('NOT_FOUND', 'This staff member has break-glass');
        },
      );
    },
  };
}

export type BreakGlass = ReturnType<typeof createBreakGlass>;
