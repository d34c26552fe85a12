/**
 * The Cedar schema every Custos policy is validated against: who acts (Staff), on what (a customer, one of
 * its fields, or the non-customer resources of oversight and administration), and the context a query
 * carries.
 *
 * Invariant: the schema is generated from the same closed lists as `AccessQuery`, so a policy can name
 * only values a query can hold. Roles, purposes, classes, channels, case relations and risk tiers are
 * enumerated entity types: a misspelt `Role::"suport"` is a validation error at load, not a rule that
 * silently never matches (which, in a `forbid`, would quietly allow).
 */
import { staffRoles } from '../../identity/staff/staff.types.ts';
import { sensitivityClasses } from '../../vault/customer-fields.ts';
import { accessActions, caseChannels, casePurposes, caseRelations, riskTiers } from './access-query.ts';

const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/** The Cedar entity type of each action's resource (besides the principal, always `Staff`). */
export const resourceTypes = {
  view: 'Customer',
  search: 'CustomerDirectory',
  reveal: 'Field',
  case_open: 'Customer',
  break_glass: 'Customer',
  export_request: 'Export',
  export_approve: 'Export',
  aggregate: 'Aggregate',
  ledger_read: 'Ledger',
  alert_read: 'Alert',
  staff_manage: 'StaffDirectory',
  policy_edit: 'PolicySet',
  policy_approve: 'PolicySet',
} as const satisfies Record<(typeof accessActions)[number], string>;

/** Actions that reach an individual customer's record: the group `Action::"customer_record"`. */
export const customerRecordActions = ['view', 'search', 'reveal', 'case_open', 'break_glass'] as const;

/** One declaration per resource type (and group), listing its actions: `action view, case_open … appliesTo`. */
function actionDeclarations(): string {
  const groups = new Map<string, { resource: string; group: string; actions: string[] }>();
  for (const action of accessActions) {
    const resource = resourceTypes[action];
    const group = (customerRecordActions as readonly string[]).includes(action)
      ? ' in [customer_record]'
      : '';
    const entry = groups.get(resource + group) ?? { resource, group, actions: [] };
    entry.actions.push(action);
    groups.set(resource + group, entry);
  }
  return [...groups.values()]
    .map(
      ({ resource, group, actions }) =>
        `action ${actions.join(', ')}${group} appliesTo {\n  principal: Staff, resource: ${resource}, context: AccessContext,\n};`,
    )
    .join('\n');
}

export const custosSchema = `
// Closed vocabularies: a policy naming a value outside them fails validation.
entity Role enum ${list(staffRoles)};
entity SensitivityClass enum ${list(sensitivityClasses)};
entity Purpose enum ${list(casePurposes)};
entity Channel enum ${list(caseChannels)};
entity CaseRelation enum ${list(caseRelations)};
entity RiskTier enum ${list(riskTiers)};

// Who acts, and on what.
entity Staff = { role: Role };
entity Customer;
entity Field = { class: SensitivityClass };
entity CustomerDirectory;
entity Export = { class?: SensitivityClass };
entity Aggregate;
entity Ledger;
entity Alert;
entity StaffDirectory;
entity PolicySet;

// What a query says about the case used and the circumstances; purpose and channel only with a case.
type AccessContext = {
  caseRelation: CaseRelation,
  purpose?: Purpose,
  channel?: Channel,
  customerPresent: Bool,
  breakGlass: Bool,
  secondApprover: Bool,
  riskTier: RiskTier,
};

// Everything that reaches one customer's record.
action customer_record;
${actionDeclarations()}
`;
