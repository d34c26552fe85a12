/**
 * A case as the cases service works with it: camelCase, booleans as booleans, times as epoch milliseconds,
 * its assignees beside it. cases.store.ts maps it to and from its tables; nothing else sees a row.
 */
import type { CaseChannel, CasePurpose } from '../policy/access-query.ts';

export interface CaseRecord {
  id: string;
  customerId: string;
  purpose: CasePurpose;
  channel: CaseChannel;
  /** An open case past `expiresAt` grants nothing. */
  status: 'open' | 'closed';
  /** An emergency access without a case of the usual kind (break-glass). */
  breakGlass: boolean;
  /** Break-glass reason, sealed under the customer's key. */
  reasonSealed: Buffer | null;
  openedBy: string;
  openedAt: number;
  expiresAt: number;
  closedAt: number | null;
  closedBy: string | null;
  /** When a customer-present code was verified for this case. */
  customerPresentAt: number | null;
  presenceFailures: number;
  /** Break-glass only: when the review by security is due, and its outcome. */
  reviewDueAt: number | null;
  reviewedAt: number | null;
  reviewedBy: string | null;
  reviewOutcome: string | null;
  /** Break-glass only: when the alert for an overdue review was raised (one per case). */
  reviewAlertedAt: number | null;
  /** Staff ids assigned to the case; the opener is always among them. */
  assignees: string[];
}

/** A case without its assignees: what listings that only need the case itself return. */
export type CaseSummary = Omit<CaseRecord, 'assignees'>;
