/**
 * The one question the access service asks the policy engine: may a staff member in this role do this act,
 * on a case in this state, for this purpose? An `AccessQuery` is plain data — every value comes from one of
 * the closed lists below — so the answer depends on nothing else (see policy-engine.ts).
 *
 * Invariant: `normaliseQuery` is the only way from a query to what Cedar sees. It rejects any value outside
 * the lists (a query is never "mostly right"), drops what an action does not use (`fieldClass` outside
 * reveal), and gives each distinct question one compact key.
 */
import { type StaffRole, staffRoles } from '../../identity/staff.store.ts';
import { type SensitivityClass, sensitivityClasses } from '../../vault/customer-fields.ts';

export const accessActions = [
  'view',
  'search',
  'reveal',
  'case_open',
  'break_glass',
  'export_request',
  'export_approve',
  'aggregate',
  'ledger_read',
  'alert_read',
  'staff_manage',
  'policy_edit',
  'policy_approve',
] as const;
export const casePurposes = [
  'repair',
  'billing',
  'identity_check',
  'account_recovery',
  'delivery',
  'complaint',
] as const;
export const caseChannels = ['counter', 'customer_call', 'portal_request', 'staff_initiated'] as const;
export const caseRelations = ['assigned_open', 'unassigned', 'closed', 'expired', 'none'] as const;
export const riskTiers = ['normal', 'elevated', 'high', 'critical'] as const;

export type AccessAction = (typeof accessActions)[number];
export type CasePurpose = (typeof casePurposes)[number];
export type CaseChannel = (typeof caseChannels)[number];
export type CaseRelation = (typeof caseRelations)[number];
export type RiskTier = (typeof riskTiers)[number];

export interface AccessQuery {
  role: StaffRole;
  action: AccessAction;
  /** Reveal only: the class of the field to reveal. Ignored for every other action. */
  fieldClass?: SensitivityClass;
  /** The acting staff member's relation to the case used ('none' = no case). */
  caseRelation: CaseRelation;
  purpose?: CasePurpose;
  channel?: CaseChannel;
  /** The case carries a verified customer-present proof. */
  customerPresent: boolean;
  /** Acting under an active break-glass grant. */
  breakGlass: boolean;
  /** A second person approved (export, sensitive-class reveal). */
  secondApprover: boolean;
  /** From the insider-risk watcher. */
  riskTier: RiskTier;
}

export interface AccessDecision {
  allow: boolean;
  /** Ids (`@id` annotations) of the determining policies: the permits that allowed, or the forbids that denied. */
  policies: string[];
  /** Why the question could not be answered; never empty when a deny is due to an error. */
  errors: string[];
}

/** A query that passed `normaliseQuery`: every value known, `fieldClass` present exactly for reveal. */
export type NormalisedQuery = Readonly<AccessQuery>;

export type NormalisedResult =
  { ok: true; query: NormalisedQuery; key: string } | { ok: false; problems: string[] };

function indexer(values: readonly string[]): Map<unknown, string> {
  // One character per value: the key of a query is one character per field.
  return new Map(values.map((v, i) => [v, String.fromCharCode(97 + i)]));
}

const roleCode = indexer(staffRoles);
const actionCode = indexer(accessActions);
const classCode = indexer(sensitivityClasses);
const relationCode = indexer(caseRelations);
const purposeCode = indexer(casePurposes);
const channelCode = indexer(caseChannels);
const tierCode = indexer(riskTiers);
const flagCode = (value: unknown) => (value === true ? '1' : value === false ? '0' : undefined);

/**
 * Check a query against the closed lists and give it its cache key. Problems name the field, never the
 * value (a caller's bad value could be anything, personal data included).
 */
export function normaliseQuery(query: AccessQuery): NormalisedResult {
  const q = (query ?? {}) as Partial<Record<keyof AccessQuery, unknown>>;
  const problems: string[] = [];
  const code = (field: keyof AccessQuery, codes: Map<unknown, string>, optional: boolean) => {
    const value = q[field];
    if (optional && value === undefined) return '-';
    const c = codes.get(value);
    if (c === undefined) problems.push(`${field}: not one of the known values`);
    return c ?? '?';
  };
  const flag = (field: 'customerPresent' | 'breakGlass' | 'secondApprover') => {
    const c = flagCode(q[field]);
    if (c === undefined) problems.push(`${field}: must be true or false`);
    return c ?? '?';
  };
  const isReveal = q.action === 'reveal';
  const key =
    code('role', roleCode, false) +
    code('action', actionCode, false) +
    (isReveal ? code('fieldClass', classCode, false) : '-') +
    code('caseRelation', relationCode, false) +
    code('purpose', purposeCode, true) +
    code('channel', channelCode, true) +
    flag('customerPresent') +
    flag('breakGlass') +
    flag('secondApprover') +
    code('riskTier', tierCode, false);
  if (problems.length > 0) return { ok: false, problems };
  const normalised: AccessQuery = {
    role: query.role,
    action: query.action,
    caseRelation: query.caseRelation,
    customerPresent: query.customerPresent,
    breakGlass: query.breakGlass,
    secondApprover: query.secondApprover,
    riskTier: query.riskTier,
  };
  if (isReveal) normalised.fieldClass = query.fieldClass;
  if (query.purpose !== undefined) normalised.purpose = query.purpose;
  if (query.channel !== undefined) normalised.channel = query.channel;
  return { ok: true, query: normalised, key };
}
