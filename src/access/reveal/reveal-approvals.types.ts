/**
 * A reveal approval as the service works with it: camelCase, the fields it covers as a list, times as epoch
 * milliseconds. reveal-approvals.store.ts maps it to and from its row.
 */

export type RevealApprovalStatus = 'pending' | 'approved' | 'rejected' | 'used';

export interface RevealApprovalRecord {
  id: string;
  caseId: string;
  customerId: string;
  /** The case's purpose when the approval was asked for. */
  purpose: string;
  requestedBy: string;
  /** The field names the approval covers. */
  fields: string[];
  /** The asker's reason, sealed under the customer's key. */
  reasonSealed: Buffer;
  status: RevealApprovalStatus;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  usedAt: number | null;
}
