/**
 * Who may reach a field, as the policy in force says: for records of processing (compliance/), which must
 * list the roles with access to each data category and for which purposes. Asked of the engine, not copied
 * from the policy file, so the record follows an approved policy change.
 *
 * The questions are the most permissive a request can ask (an assigned open case, the customer present, a
 * second approver, a normal risk tier, and break-glass separately): a role listed here can reach the field
 * in some circumstance, one not listed in none.
 */
import { type StaffRole, staffRoles } from '../../identity/staff/staff.types.ts';
import type { SensitivityClass } from '../../vault/customer-fields.ts';
import { type AccessQuery, casePurposes, type RevealField } from './access-query.ts';
import type { PolicyEngine } from './policy-engine.ts';

export interface FieldAccess {
  /** Roles that may reveal the field's plaintext, and for which case purposes. */
  reveal: Array<{ role: StaffRole; purposes: string[] }>;
  /** Roles that may reveal it under break-glass (an emergency, reviewed afterwards). */
  breakGlass: StaffRole[];
  /** Roles that may see the masked record the field is part of, through an assigned case. */
  masked: StaffRole[];
}

const generous = {
  caseRelation: 'assigned_open',
  customerPresent: true,
  secondApprover: true,
  riskTier: 'normal',
} as const satisfies Partial<AccessQuery>;

export function fieldAccess(
  engine: Pick<PolicyEngine, 'decide'>,
  field: RevealField,
  fieldClass: SensitivityClass,
): FieldAccess {
  const reveal: FieldAccess['reveal'] = [];
  const breakGlass: StaffRole[] = [];
  const masked: StaffRole[] = [];
  for (const role of staffRoles) {
    const base = { ...generous, role, breakGlass: false } as const;
    const purposes = casePurposes.filter(
      (purpose) => engine.decide({ ...base, action: 'reveal', field, fieldClass, purpose }).allow,
    );
    if (purposes.length > 0) reveal.push({ role, purposes });
    if (engine.decide({ ...base, breakGlass: true, action: 'reveal', field, fieldClass }).allow)
      breakGlass.push(role);
    if (casePurposes.some((purpose) => engine.decide({ ...base, action: 'view', purpose }).allow))
      masked.push(role);
  }
  return { reveal, breakGlass, masked };
}
