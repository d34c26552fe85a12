/**
 * The one question the access service asks the policy engine: may a staff member in this role do this act,
 * on a case in this state, for this purpose? An `AccessQuery` is plain data — every value comes from one of
 * the closed lists below — so the answer depends on nothing else (see policy-engine.ts).
 *
 * Invariant: `normaliseQuery` is the only way from a query to what Cedar sees. It rejects any value outside
 * the lists (a query is never "mostly right"), drops what an action does not use (`fieldClass` outside
 * reveal and export_request), and gives each distinct question one compact key.
 */
import { type StaffRole, staffRoles } from '../../identity/staff/staff.types.ts';
import { type RiskTier, riskTiers } from '../../watch/risk/risk.types.ts';
import {
  ATTRIBUTES_FIELD,
  type FieldName,
  fieldNames,
  type SensitivityClass,
  sensitivityClasses,
} from '../../vault/customer-fields.ts';

export { type RiskTier, riskTiers };

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
  'alert_triage',
  'customer_erase',
  'legal_hold',
  'privacy_request_decide',
  'compliance_read',
  'incident_open',
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
/** The fields a reveal names: every customer field and the attributes. The policy decides per field. */
export const revealFields = [...fieldNames, ATTRIBUTES_FIELD] as const;
export type RevealField = FieldName | typeof ATTRIBUTES_FIELD;

export type AccessAction = (typeof accessActions)[number];
export type CasePurpose = (typeof casePurposes)[number];
export type CaseChannel = (typeof caseChannels)[number];
export type CaseRelation = (typeof caseRelations)[number];

export interface AccessQuery {
  role: StaffRole;
  action: AccessAction;
  /** Reveal and export_request only: the class of the field. Ignored for every other action. */
  fieldClass?: SensitivityClass;
  /**
   * Reveal only: which field (least privilege per purpose names fields, not only classes). Ignored for every
   * other action; a reveal without it matches no permit that names fields.
   */
  field?: RevealField;
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

/** A query that passed `normaliseQuery`: every value known, `fieldClass` present exactly for reveal and export_request. */
export type NormalisedQuery = Readonly<AccessQuery>;

export type NormalisedResult =
  { ok: true; query: NormalisedQuery; key: string } | { ok: false; problems: string[] };

function indexer(values: readonly string[]): Map<unknown, string> {
  // One character per value: the key of a query is one character per field.
  return new Map(values.map((v, i) => [v, String.fromCharCode(97 + i)]));
}

const ABSENT = '-';
const KEY_LENGTH = 11;
const flags = new Map<unknown, string>([
  [false, '0'],
  [true, '1'],
]);
const codes = {
  role: indexer(staffRoles),
  action: indexer(accessActions),
  fieldClass: indexer(sensitivityClasses),
  field: new Map([...indexer(revealFields), [undefined, ABSENT]]),
  caseRelation: indexer(caseRelations),
  purpose: new Map([...indexer(casePurposes), [undefined, ABSENT]]),
  channel: new Map([...indexer(caseChannels), [undefined, ABSENT]]),
  riskTier: indexer(riskTiers),
} as const;

/** Actions asked per field class: revealing a field, and asking to export it. */
export const fieldClassActions: readonly AccessAction[] = ['reveal', 'export_request'];
const classed = (action: unknown) => action === 'reveal' || action === 'export_request';

/**
 * The compact key of a query — one character per field, `fieldClass` only for reveal and export_request — or undefined when
 * any field holds a value outside its list. Allocates nothing but the key: this runs on every request.
 */
export function queryKey(query: AccessQuery): string | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  const key =
    (codes.role.get(query.role) ?? '') +
    (codes.action.get(query.action) ?? '') +
    (classed(query.action) ? (codes.fieldClass.get(query.fieldClass) ?? '') : ABSENT) +
    (query.action === 'reveal' ? (codes.field.get(query.field) ?? '') : ABSENT) +
    (codes.caseRelation.get(query.caseRelation) ?? '') +
    (codes.purpose.get(query.purpose) ?? '') +
    (codes.channel.get(query.channel) ?? '') +
    (flags.get(query.customerPresent) ?? '') +
    (flags.get(query.breakGlass) ?? '') +
    (flags.get(query.secondApprover) ?? '') +
    (codes.riskTier.get(query.riskTier) ?? '');
  // A valid field adds one character, an invalid one none: a short key means a bad query.
  return key.length === KEY_LENGTH ? key : undefined;
}

/** What is wrong with a query `queryKey` refused. Problems name the field, never the value. */
export function queryProblems(query: AccessQuery): string[] {
  const q = (query ?? {}) as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const fields: Array<[keyof AccessQuery, Map<unknown, string>]> = [
    ['role', codes.role],
    ['action', codes.action],
    ...(classed(q.action)
      ? [['fieldClass', codes.fieldClass] as [keyof AccessQuery, Map<unknown, string>]]
      : []),
    ...(q.action === 'reveal' ? [['field', codes.field] as [keyof AccessQuery, Map<unknown, string>]] : []),
    ['caseRelation', codes.caseRelation],
    ['purpose', codes.purpose],
    ['channel', codes.channel],
    ['customerPresent', flags],
    ['breakGlass', flags],
    ['secondApprover', flags],
    ['riskTier', codes.riskTier],
  ];
  for (const [field, known] of fields) {
    if (!known.has(q[field])) {
      problems.push(
        known === flags ? `${field}: must be true or false` : `${field}: not one of the known values`,
      );
    }
  }
  return problems;
}

/**
 * Check a query against the closed lists; give it its key and the copy of it Cedar is asked about (only the
 * fields of `AccessQuery`, `fieldClass` only for reveal and export_request).
 */
export function normaliseQuery(query: AccessQuery): NormalisedResult {
  const key = queryKey(query);
  if (key === undefined) return { ok: false, problems: queryProblems(query) };
  const normalised: AccessQuery = {
    role: query.role,
    action: query.action,
    caseRelation: query.caseRelation,
    customerPresent: query.customerPresent,
    breakGlass: query.breakGlass,
    secondApprover: query.secondApprover,
    riskTier: query.riskTier,
  };
  if (classed(query.action)) normalised.fieldClass = query.fieldClass;
  if (query.action === 'reveal' && query.field !== undefined) normalised.field = query.field;
  if (query.purpose !== undefined) normalised.purpose = query.purpose;
  if (query.channel !== undefined) normalised.channel = query.channel;
  return { ok: true, query: normalised, key };
}
