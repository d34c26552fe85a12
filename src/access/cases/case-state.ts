/**
 * A case's state as data: how the acting staff member stands to it (the relation policies decide on), the
 * error that names a refusal in the case's own words, what staff see of a case, and the checked kind of a
 * new one. Pure functions; cases.service.ts does the acts.
 */
import type { CasesTable } from '../../platform/database/schema.ts';
import { type ErrorCode, validationFailed } from '../../platform/errors.ts';
import type { CaseWithAssignees } from './cases.store.ts';
import {
  type CaseChannel,
  caseChannels,
  type CasePurpose,
  casePurposes,
  type CaseRelation,
} from '../policy/access-query.ts';

/** What staff see of a case: ids, purpose and state; no personal data. */
export interface CaseView {
  id: string;
  customerId: string;
  purpose: CasePurpose;
  channel: CaseChannel;
  status: 'open' | 'closed' | 'expired';
  breakGlass: boolean;
  customerPresent: boolean;
  assignees: string[];
  openedBy: string;
  openedAt: string;
  expiresAt: string;
}

/** A case as the acting staff member stands to it: what access decisions are made on. */
export interface CaseContext {
  row: CaseWithAssignees;
  /** The case's customer. */
  customerId: string;
  relation: CaseRelation;
  purpose: CasePurpose;
  channel: CaseChannel;
  customerPresent: boolean;
  breakGlass: boolean;
}

/** The error for a refusal, in the words of the case's state. */
export const relationCode: Record<CaseRelation, ErrorCode> = {
  assigned_open: 'ACCESS_DENIED',
  unassigned: 'CASE_NOT_ASSIGNED',
  closed: 'CASE_CLOSED',
  expired: 'CASE_EXPIRED',
  none: 'ACCESS_DENIED',
};

export function caseRelation(
  row: CasesTable & { assignees: string[] },
  staffId: string,
  now: number,
): CaseRelation {
  if (!row.assignees.includes(staffId)) return 'unassigned';
  if (row.status !== 'open') return 'closed';
  if (now >= row.expires_at) return 'expired';
  return 'assigned_open';
}

export function caseView(row: CaseWithAssignees, now: number): CaseView {
  return {
    id: row.id,
    customerId: row.customer_id,
    purpose: row.purpose as CasePurpose,
    channel: row.channel as CaseChannel,
    status: row.status !== 'open' ? 'closed' : now >= row.expires_at ? 'expired' : 'open',
    breakGlass: row.break_glass === 1,
    customerPresent: row.customer_present_at !== null,
    assignees: row.assignees,
    openedBy: row.opened_by,
    openedAt: new Date(Number(row.opened_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  };
}

/** The purpose and channel of a new case, checked against the closed lists (VALIDATION_FAILED otherwise). */
export function caseKind(input: { purpose: string; channel: string }): {
  purpose: CasePurpose;
  channel: CaseChannel;
} {
  return {
    purpose: oneOf(casePurposes, input.purpose, 'purpose'),
    channel: oneOf(caseChannels, input.channel, 'channel'),
  };
}

function oneOf<T extends string>(values: readonly T[], value: string, path: string): T {
  if (!(values as readonly string[]).includes(value)) {
    throw validationFailed([{ path, problem: `must be one of ${values.join(', ')}` }]);
  }
  return value as T;
}
