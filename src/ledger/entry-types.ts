/**
 * What the ledger records: a closed set of entry types, each with its own payload. No payload holds
 * personal data in plaintext — customers are referred to by id, fields by name, search queries by their
 * keyed blind-index digest. Adding an act to Custos means adding its type here.
 */

export interface EntryPayloads {
  'customer.created': { customerId: string; via: 'api' | 'import' };
  'customer.viewed': { customerId: string };
  'customer.updated': { customerId: string; fields: string[] };
  'customer.searched': { by: string; queryDigest: string; matches: number };
  'customers.imported': { imported: number; rejected: number; firstIndex?: number };
  'keys.rotated': { fromVersions: number[]; toVersion: number; rewrapped: number };
  'ledger.retention_applied': { olderThan: number; redacted: number };
  'auth.signed_in': { accountId: string; realm: string; method: string; sessionId: string };
  'auth.sign_in_failed': { realm: string; reason: string; accountId?: string };
  'auth.second_factor': { accountId: string; method: string; sessionId: string };
  'auth.step_up': { accountId: string; method: string; sessionId: string };
  'auth.enrolled': { accountId: string; method: string };
  'auth.recovery_code_used': { accountId: string; remaining: number };
  'auth.signed_out': { accountId: string; sessionId: string };
  'account.invited': { accountId: string; realm: string; subjectId: string };
  'account.suspended': { accountId: string; sessionsRevoked: number };
  /** A policy-set change proposed against the live version; `diff` is a unified line diff from it. */
  'policy.proposed': { proposalId: string; baseVersion: number; diff: string };
  /** A second admin put a proposal in force as `toVersion`. */
  'policy.approved': {
    proposalId: string;
    fromVersion: number;
    toVersion: number;
    proposedBy: string;
    diff: string;
  };
  'policy.rejected': { proposalId: string; baseVersion: number; proposedBy: string; diff: string };
  /** A recorded act that then did not happen (it failed after its entry was written). */
  'act.failed': { ref: number; code: string };
}

export type EntryType = keyof EntryPayloads;

export const entryTypes = [
  'customer.created',
  'customer.viewed',
  'customer.updated',
  'customer.searched',
  'customers.imported',
  'keys.rotated',
  'ledger.retention_applied',
  'auth.signed_in',
  'auth.sign_in_failed',
  'auth.second_factor',
  'auth.step_up',
  'auth.enrolled',
  'auth.recovery_code_used',
  'auth.signed_out',
  'account.invited',
  'account.suspended',
  'policy.proposed',
  'policy.approved',
  'policy.rejected',
  'act.failed',
] as const satisfies readonly EntryType[];

/** An entry as appended: who did what, about whom, with the type's payload. `at` is set by the ledger. */
export interface EntryInput<T extends EntryType = EntryType> {
  type: T;
  /** `actorRef()` of who acted. */
  actor: string;
  /** The customer (or other subject) the act is about, if any. */
  subject?: string;
  data: EntryPayloads[T];
}

/** An entry as stored and hashed. */
export interface LedgerEntry<T extends EntryType = EntryType> extends EntryInput<T> {
  v: 1;
  at: number;
}
