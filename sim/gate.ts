/**
 * The watcher's containment of one reveal, as a pure function of the tier the staff member is at when the
 * request arrives. It mirrors src/access/reveal/reveal.service.ts (the tier is looked up once, at the start
 * of the request) and the tiers' meaning in src/watch/risk/risk.types.ts:
 *
 *   normal   → nothing
 *   elevated → the reveal spends its own step-up (the real account holder passes it: friction, not a stop);
 *              every quota is halved (`limitsAt` in quota-windows.ts)
 *   high     → the reveal needs a second approver: a supervisor who approves when the customer evidently
 *              started the contact (evidence other than `none`) or it is a follow-up of one, and refuses
 *              otherwise. A refused approval is a refusal the watcher sees (`APPROVAL_REFUSED`), unlike the
 *              watcher's own hold (`RISK_HOLD`), which it ignores.
 *   critical → the account is suspended: every request refused, for the rest of the run (a person lifts it)
 */
import type { RiskTier } from '../src/watch/risk/risk.types.ts';

export interface RevealContainment {
  /** Past the watcher (the quotas still decide). */
  allowed: boolean;
  /** An extra step-up was spent. */
  stepUp: boolean;
  /** A second approver was asked. */
  approvalAsked: boolean;
  /** Refused: the approver said no, or the account is suspended. */
  refusedBy?: 'approval' | 'suspended';
}

/**
 * @example containReveal('high', false) // { allowed: false, stepUp: false, approvalAsked: true, refusedBy: 'approval' }
 */
export function containReveal(tier: RiskTier, customerStarted: boolean): RevealContainment {
  switch (tier) {
    case 'normal':
      return { allowed: true, stepUp: false, approvalAsked: false };
    case 'elevated':
      return { allowed: true, stepUp: true, approvalAsked: false };
    case 'high':
      return customerStarted
        ? { allowed: true, stepUp: false, approvalAsked: true }
        : { allowed: false, stepUp: false, approvalAsked: true, refusedBy: 'approval' };
    case 'critical':
      return { allowed: false, stepUp: false, approvalAsked: false, refusedBy: 'suspended' };
  }
}
