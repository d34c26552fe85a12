/**
 * The Cedar schema every Custos policy is validated against: `policies/custos.cedarschema`, read once when
 * this module loads. It says who acts (Staff), on what (a customer, one of its fields, or the non-customer
 * resources of oversight and administration), and the context a query carries.
 *
 * Invariant: the schema names exactly the closed lists `AccessQuery` is made of, so a policy can name only
 * values a query can hold. Roles, purposes, classes, channels, case relations and risk tiers are enumerated
 * entity types there: a misspelt `Role::"suport"` is a validation error at load, not a rule that silently
 * never matches (which, in a `forbid`, would quietly allow). The file and the TypeScript lists are checked
 * against each other when this module loads (schema-vocabulary.ts); if they differ, Custos does not start.
 */
import { staffRoles } from '../../identity/staff/staff.types.ts';
import { sensitivityClasses } from '../../vault/customer-fields.ts';
import {
  accessActions,
  caseChannels,
  casePurposes,
  caseRelations,
  revealFields,
  riskTiers,
} from './access-query.ts';
import { readPolicyFile } from './policy-files.ts';
import { type SchemaVocabulary, schemaVocabularyProblems } from './schema-vocabulary.ts';

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
  alert_triage: 'Alert',
  customer_erase: 'Customer',
  legal_hold: 'Customer',
  privacy_request_decide: 'PrivacyRequest',
  compliance_read: 'Compliance',
  incident_open: 'Compliance',
} as const satisfies Record<(typeof accessActions)[number], string>;

/** Actions that reach an individual customer's record: the group `Action::"customer_record"`. */
export const customerRecordActions = ['view', 'search', 'reveal', 'case_open', 'break_glass'] as const;

/** What the schema must declare, from the TypeScript lists requests are built from (cedar-request.ts). */
export const custosVocabulary: SchemaVocabulary = {
  enums: {
    Role: staffRoles,
    SensitivityClass: sensitivityClasses,
    FieldName: revealFields,
    Purpose: casePurposes,
    Channel: caseChannels,
    CaseRelation: caseRelations,
    RiskTier: riskTiers,
  },
  actions: resourceTypes,
  groups: { customer_record: customerRecordActions },
  principal: 'Staff',
  context: 'AccessContext',
};

/** The schema text, if it matches the TypeScript vocabulary; throws listing every difference otherwise. */
export function checkedSchema(text: string): string {
  const problems = schemaVocabularyProblems(text, custosVocabulary);
  if (problems.length > 0) {
    throw new Error(
      `policies/custos.cedarschema and the TypeScript vocabularies disagree; change both together: ${problems.join('; ')}`,
    );
  }
  return text;
}

export const custosSchema: string = checkedSchema(readPolicyFile('custos.cedarschema'));
