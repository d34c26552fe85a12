/**
 * The Cedar schema every Custos policy is validated against: `policies/custos.cedarschema`, read once when
 * this module loads. It says who acts (Staff), on what (a customer, one of its fields, or the non-customer
 * resources of oversight and administration), and the context a query carries.
 *
 * Invariant: the schema names exactly the closed lists `AccessQuery` is made of, so a policy can name only
 * values a query can hold. Roles, purposes, classes, channels, case relations and risk tiers are enumerated
 * entity types there: a misspelt `Role::"suport"` is a validation error at load, not a rule that silently
 * never matches (which, in a `forbid`, would quietly allow).
 */
import type { accessActions } from './access-query.ts';
import { readPolicyFile } from './policy-files.ts';

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

export const custosSchema: string = readPolicyFile('custos.cedarschema');
