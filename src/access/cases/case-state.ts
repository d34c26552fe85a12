/**
 * A case's state as data: how the acting staff member stands to it (the relation policies decide on), the
 * error that names a refusal in the case's own words, what staff see of a case, and the checked kind of a
 * new one. Pure functions; cases.service.ts does the acts.
 */
import type { EvidenceKind } from '../../watch/risk/risk.types.ts';
import { type ErrorCode, validationFailed } from '../../platform/errors.ts';
import type { CaseRecord } from './cases.types.ts';
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
  record: CaseRecord;
  /** The case's customer. */
  customerId: string;
  relation: CaseRelation;
  purpose: CasePurpose;
  channel: CaseChannel;
  customerPresent: boolean;
  breakGlass: boolean;
}

/** What was found for a case beyond its presence code (case-evidence.ts looks each up). */
export interface EvidenceFound {
  /** A call from the customer's number that the acting staff member took. */
  inboundCall?: boolean;
  /** The case was opened from the customer's own portal request. */
  portalRequest?: boolean;
  /** The customer booked an appointment at the opener's site around the opening. */
  appointment?: boolean;
}

/**
 * What shows the customer started an access through this case, the strongest present: a presence code they
 * read out, a call they made, a portal request, an appointment; else nothing (`none`, staff-initiated). The
 * reveal's ledger entry carries it and the watcher scores accesses without it.
 */
export function evidenceOf(c: Pick<CaseContext, 'customerPresent'>, found: EvidenceFound): EvidenceKind {
  if (c.customerPresent) return 'presence_code';
  if (found.inboundCall) return 'inbound_call';
  if (found.portalRequest) return 'portal_request';
  if (found.appointment) return 'appointment';
  return 'none';
}

/** How a case ended; `unspecified` (nothing said) counts as no resolution, like `no_action`. */
export const caseResolutions = ['resolved', 'referred', 'no_action', 'unspecified'] as const;
export type CaseResolution = (typeof caseResolutions)[number];

export function validResolution(value: unknown): CaseResolution {
  if (value === undefined) return 'unspecified';
  if (typeof value === 'string' && (caseResolutions as readonly string[]).includes(value))
    return value as CaseResolution;
  throw validationFailed([{ path: 'resolution', problem: `one of ${caseResolutions.join(', ')}` }]);
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
  record: Pick<CaseRecord, 'assignees' | 'status' | 'expiresAt'>,
  staffId: string,
  now: number,
): CaseRelation {
  if (!record.assignees.includes(staffId)) return 'unassigned';
  if (record.status !== 'open') return 'closed';
  if (now >= record.expiresAt) return 'expired';
  return 'assigned_open';
}

export function caseView(record: CaseRecord, now: number): CaseView {
  return {
    id: record.id,
    customerId: record.customerId,
    purpose: record.purpose,
    channel: record.channel,
    status: record.status !== 'open' ? 'closed' : now >= record.expiresAt ? 'expired' : 'open',
    breakGlass: record.breakGlass,
    customerPresent: record.customerPresentAt !== null,
    assignees: record.assignees,
    openedBy: record.openedBy,
    openedAt: new Date(record.openedAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
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
