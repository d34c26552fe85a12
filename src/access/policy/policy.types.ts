/**
 * The policy set as stored, in the policy service's words: versions (the highest is in force) and the
 * proposals to change it. policy.store.ts maps them to and from their rows.
 */

export interface PolicyVersionRecord {
  /** 1 for the default set installed at first start; the highest version is in force. */
  version: number;
  /** Cedar policy text, validated against the schema before it was stored. */
  text: string;
  /** The proposal this version came from; null for the default set. */
  proposalId: string | null;
  /** `actorRef` of the second admin who approved it; null for the default set. */
  approvedBy: string | null;
  createdAt: number;
}

export type PolicyProposalStatus = 'pending' | 'approved' | 'rejected';

export interface PolicyProposalRecord {
  id: string;
  /** The live version the proposal was written against; it can only replace that version. */
  baseVersion: number;
  text: string;
  /** `actorRef` of the proposing admin. */
  proposedBy: string;
  proposedAt: number;
  status: PolicyProposalStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  /** The version it became, once approved. */
  version: number | null;
}
