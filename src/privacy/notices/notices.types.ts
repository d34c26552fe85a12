/**
 * Reveal notices in the notices service's words: how a customer hears of staff reveals, and one reveal as the
 * customer is told of it — field names, purpose, the staff member's role and site; never a value, never a name.
 */

/**
 * `immediate`: a message per reveal, as it happens; `daily`: one digest a day of the day's reveals. The
 * default is `immediate` (notices.service.ts says why).
 */
export const noticeModes = ['immediate', 'daily'] as const;
export type NoticeMode = (typeof noticeModes)[number];

export interface RevealNotice {
  revealId: string;
  customerId: string;
  fields: string[];
  purpose: string;
  staffRole: string;
  staffSite: string;
  revealedAt: number;
  /** The customer's day of the reveal (YYYY-MM-DD, China time). */
  day: string;
  /** The mode in force when the reveal was noticed. */
  mode: NoticeMode;
  /** The outbox message that told the customer (null: not yet). */
  messageId: string | null;
}

/** A dead letter as security sees it: ids and codes, never an address or a body. */
export interface DeadLetter {
  messageId: string;
  customerId: string;
  kind: string;
  channel: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}
