/** The default policy set, as a table: every role × action × case relation, then the rows that matter most. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AccessAction,
  type AccessQuery,
  accessActions,
  type CasePurpose,
  caseRelations,
  casePurposes,
  type RevealField,
  revealFields,
} from '../../../src/access/policy/access-query.ts';
import { defaultPolicies } from '../../../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../../../src/access/policy/policy-engine.ts';
import { type StaffRole, staffRoles } from '../../../src/identity/staff/staff.types.ts';
import { fieldSpecs } from '../../../src/vault/customer-fields.ts';

const engine = createPolicyEngine({ policies: defaultPolicies });

const plain = {
  caseRelation: 'assigned_open',
  purpose: 'repair',
  channel: 'counter',
  customerPresent: false,
  breakGlass: false,
  secondApprover: false,
  riskTier: 'normal',
} as const;

function ask(role: StaffRole, action: AccessAction, extra: Partial<AccessQuery> = {}) {
  const fieldClass =
    action === 'reveal' || action === 'export_request' ? { fieldClass: 'basic' as const } : {};
  const field = action === 'reveal' ? { field: 'name' as const } : {};
  return engine.decide({ ...plain, ...fieldClass, ...field, role, action, ...extra });
}

/** Who may do what on an ordinary case (repair, at the counter, basic field): `case` = only on an assigned open one. */
const expected: Record<AccessAction, Partial<Record<StaffRole, 'always' | 'case'>>> = {
  view: { store: 'case', support: 'case', contractor: 'case' },
  search: { store: 'always', support: 'always', contractor: 'always' },
  reveal: { store: 'case', support: 'case', contractor: 'case' },
  case_open: { store: 'always', support: 'always', contractor: 'always' },
  break_glass: { store: 'always', support: 'always', admin: 'always' },
  export_request: { support: 'always', admin: 'always' },
  export_approve: { security: 'always' },
  aggregate: { marketing: 'always' },
  ledger_read: { security: 'always' },
  alert_read: { security: 'always' },
  alert_triage: { security: 'always' },
  privacy_request_decide: { security: 'always' },
  compliance_read: { security: 'always', admin: 'always' },
  incident_open: { security: 'always' },
  staff_manage: { admin: 'always' },
  policy_edit: { admin: 'always' },
  policy_approve: { admin: 'always' },
  customer_erase: { security: 'always' },
  legal_hold: { security: 'always' },
};

describe('default policies: every role × action × case relation', () => {
  for (const role of staffRoles) {
    for (const action of accessActions) {
      test(`${role} ${action}`, () => {
        for (const caseRelation of caseRelations) {
          const rule = expected[action][role];
          const allow = rule === 'always' || (rule === 'case' && caseRelation === 'assigned_open');
          const decision = ask(role, action, { caseRelation });
          assert.equal(
            decision.allow,
            allow,
            `${role} ${action} on ${caseRelation}: ${JSON.stringify(decision)}`,
          );
          assert.deepEqual(decision.errors, []);
        }
      });
    }
  }
});

/**
 * Which fields each purpose reveals on an assigned open case (support; customer present; no second
 * approver): least privilege per purpose, the README's table. No purpose reveals both the address and the
 * birth date (docs/MASKS.md); the national ID only an identity check, with a second approver.
 */
const revealable: Record<CasePurpose, RevealField[]> = {
  repair: ['name', 'phone'],
  delivery: ['name', 'phone', 'address'],
  complaint: ['name', 'phone', 'email'],
  billing: ['name', 'account_id', 'address'],
  account_recovery: ['name', 'phone', 'email', 'account_id'],
  identity_check: ['name', 'birth_date', 'account_id'],
};

describe('default policies: reveal by purpose × field', () => {
  for (const role of ['store', 'support', 'contractor'] as const) {
    test(`${role}`, () => {
      for (const purpose of casePurposes) {
        for (const field of revealFields) {
          const fieldClass = field === 'attributes' ? 'basic' : fieldSpecs[field].sensitivity;
          for (const secondApprover of [false, true]) {
            const d = ask(role, 'reveal', {
              purpose,
              fieldClass,
              field,
              secondApprover,
              customerPresent: true,
            });
            const allow =
              revealable[purpose].includes(field) ||
              (purpose === 'identity_check' &&
                field === 'national_id' &&
                secondApprover &&
                role !== 'contractor');
            assert.equal(d.allow, allow, `${role} ${purpose} ${field} approver=${secondApprover}`);
          }
        }
      }
      // A reveal that names no field matches no permit.
      assert.equal(ask(role, 'reveal', { field: undefined }).allow, false);
    });
  }
  test('no purpose reveals both the address and the birth date', () => {
    for (const purpose of casePurposes) {
      const both = (['address', 'birth_date'] as const).every(
        (field) =>
          ask('support', 'reveal', {
            purpose,
            field,
            fieldClass: fieldSpecs[field].sensitivity,
            customerPresent: true,
          }).allow,
      );
      assert.equal(both, false, purpose);
    }
    const underBreakGlass = (['address', 'birth_date'] as const).map(
      (field) =>
        ask('support', 'reveal', { breakGlass: true, field, fieldClass: fieldSpecs[field].sensitivity })
          .allow,
    );
    assert.deepEqual(underBreakGlass, [true, false]);
  });
});

describe('default policies: the rows that matter most', () => {
  const rows: Array<[string, StaffRole, AccessAction, Partial<AccessQuery>, boolean, string[]]> = [
    // [what, role, action, query, allow, determining policies]
    ['support views on an assigned open case', 'support', 'view', {}, true, ['view.assigned-open-case']],
    ['support views an unassigned case', 'support', 'view', { caseRelation: 'unassigned' }, false, []],
    ['support views an expired case', 'support', 'view', { caseRelation: 'expired' }, false, []],
    [
      'store views through its own break-glass case',
      'store',
      'view',
      { breakGlass: true, channel: 'staff_initiated' },
      true,
      ['view.assigned-open-case', 'view.break-glass'],
    ],
    [
      "store views another's break-glass case",
      'store',
      'view',
      { caseRelation: 'unassigned', breakGlass: true },
      false,
      [],
    ],
    [
      'admin reveals through an expired break-glass case',
      'admin',
      'reveal',
      { caseRelation: 'expired', breakGlass: true },
      false,
      [],
    ],
    [
      'marketing asks for a records export',
      'marketing',
      'export_request',
      { caseRelation: 'none', fieldClass: 'basic' },
      false,
      [],
    ],
    [
      'support asks to export the sensitive class',
      'support',
      'export_request',
      { caseRelation: 'none', fieldClass: 'sensitive', field: 'national_id' },
      false,
      [],
    ],
    [
      'contractor reveals sensitive, even approved',
      'contractor',
      'reveal',
      {
        purpose: 'identity_check',
        customerPresent: true,
        fieldClass: 'sensitive',
        field: 'national_id',
        secondApprover: true,
      },
      false,
      ['contractor.never-sensitive'],
    ],
    [
      'contractor on a staff-initiated case',
      'contractor',
      'view',
      { channel: 'staff_initiated' },
      false,
      ['contractor.never-staff-initiated-cases'],
    ],
    [
      'support on a staff-initiated case',
      'support',
      'view',
      { channel: 'staff_initiated' },
      true,
      ['view.assigned-open-case'],
    ],
    ['marketing views a record', 'marketing', 'view', {}, false, ['marketing.never-individual-records']],
    ['marketing searches', 'marketing', 'search', {}, false, ['marketing.never-individual-records']],
    [
      'marketing under break-glass',
      'marketing',
      'view',
      { breakGlass: true },
      false,
      ['marketing.never-individual-records'],
    ],
    [
      'marketing asks for an aggregate',
      'marketing',
      'aggregate',
      { caseRelation: 'none' },
      true,
      ['marketing.aggregates'],
    ],
    [
      'security reads the ledger',
      'security',
      'ledger_read',
      { caseRelation: 'none' },
      true,
      ['security.oversight'],
    ],
    ['security reveals', 'security', 'reveal', {}, false, ['security.never-individual-records']],
    ['admin views without break-glass', 'admin', 'view', {}, false, ['admin.records-only-under-break-glass']],
    ['admin views under break-glass', 'admin', 'view', { breakGlass: true }, true, ['view.break-glass']],
    [
      'admin reveals under break-glass',
      'admin',
      'reveal',
      { breakGlass: true },
      true,
      ['reveal.break-glass'],
    ],
    [
      'admin reveals sensitive under break-glass',
      'admin',
      'reveal',
      { breakGlass: true, fieldClass: 'sensitive', field: 'national_id' },
      false,
      ['reveal.sensitive-needs-second-approver'],
    ],
    ['contractor breaks glass', 'contractor', 'break_glass', {}, false, []],
    [
      'identity_check sensitive without a second approver',
      'support',
      'reveal',
      { purpose: 'identity_check', customerPresent: true, fieldClass: 'sensitive', field: 'national_id' },
      false,
      ['reveal.sensitive-needs-second-approver'],
    ],
    [
      'identity_check sensitive with a second approver',
      'support',
      'reveal',
      {
        purpose: 'identity_check',
        customerPresent: true,
        fieldClass: 'sensitive',
        field: 'national_id',
        secondApprover: true,
      },
      true,
      ['reveal.identity_check'],
    ],
    [
      'billing sensitive, even approved',
      'support',
      'reveal',
      { purpose: 'billing', fieldClass: 'sensitive', field: 'national_id', secondApprover: true },
      false,
      [],
    ],
    [
      'identity_check without the customer present',
      'store',
      'reveal',
      { purpose: 'identity_check', fieldClass: 'basic' },
      false,
      ['case.identity-purposes-need-customer-present'],
    ],
    [
      'account_recovery case opened without the customer present',
      'support',
      'case_open',
      { caseRelation: 'none', purpose: 'account_recovery' },
      false,
      ['case.identity-purposes-need-customer-present'],
    ],
    [
      'account_recovery case opened with the customer present',
      'support',
      'case_open',
      { caseRelation: 'none', purpose: 'account_recovery', customerPresent: true },
      true,
      ['case_open.frontline'],
    ],
    [
      'a case opened without a purpose',
      'store',
      'case_open',
      { caseRelation: 'none', purpose: undefined },
      false,
      [],
    ],
    [
      'risk tier elevated still reveals',
      'support',
      'reveal',
      { riskTier: 'elevated' },
      true,
      ['reveal.repair'],
    ],
    [
      'risk tier high denies reveal without a second approver',
      'support',
      'reveal',
      { riskTier: 'high' },
      false,
      ['risk.high-needs-second-approver'],
    ],
    [
      'risk tier high reveals with a second approver',
      'support',
      'reveal',
      { riskTier: 'high', secondApprover: true },
      true,
      ['reveal.repair'],
    ],
    [
      'risk tier critical denies reveal, even approved',
      'support',
      'reveal',
      { riskTier: 'critical', secondApprover: true },
      false,
      ['risk.critical-no-reveal'],
    ],
    [
      'risk tier critical denies break-glass',
      'store',
      'break_glass',
      { riskTier: 'critical' },
      false,
      ['risk.high-tiers-no-break-glass'],
    ],
    [
      'risk tier high still views',
      'support',
      'view',
      { riskTier: 'high' },
      true,
      ['view.assigned-open-case'],
    ],
  ];
  for (const [what, role, action, query, allow, policies] of rows) {
    test(what, () => {
      const d = ask(role, action, query);
      assert.deepEqual(
        { allow: d.allow, policies: d.policies, errors: d.errors },
        { allow, policies, errors: [] },
      );
    });
  }
});

describe('bad queries are denied, never thrown', () => {
  test('unknown values, missing fields, reveal without a class', () => {
    const good: AccessQuery = { ...plain, role: 'support', action: 'view' };
    const bad: Array<[string, unknown]> = [
      ['role', { ...good, role: 'root' }],
      ['action', { ...good, action: 'delete' }],
      ['caseRelation', { ...good, caseRelation: undefined }],
      ['purpose', { ...good, purpose: 'curiosity' }],
      ['channel', { ...good, channel: 'fax' }],
      ['breakGlass', { ...good, breakGlass: 'yes' }],
      ['riskTier', { ...good, riskTier: 'low' }],
      ['fieldClass', { ...good, action: 'reveal' }],
      ['fieldClass', { ...good, action: 'reveal', fieldClass: 'secret' }],
      ['role', {}],
      ['role', null],
    ];
    for (const [field, query] of bad) {
      const d = engine.decide(query as AccessQuery);
      assert.equal(d.allow, false);
      assert.ok(
        d.errors.some((e) => e.startsWith(`${field}:`)),
        `${field}: ${JSON.stringify(d.errors)}`,
      );
    }
  });

  test('a query object that throws when read is denied, not thrown', () => {
    const hostile = new Proxy({} as AccessQuery, {
      get() {
        throw new Error('boom');
      },
    });
    assert.deepEqual(engine.decide(hostile), {
      allow: false,
      policies: [],
      errors: ['query: could not be read'],
    });
  });

  test('a field class on anything but reveal is ignored', () => {
    const d = ask('support', 'view', { fieldClass: 'sensitive', field: 'national_id' });
    assert.equal(d.allow, true);
  });

  test('decisions cannot be altered by a caller', () => {
    const d = ask('support', 'view');
    assert.throws(() => {
      (d as { allow: boolean }).allow = false;
    });
    assert.equal(ask('support', 'view').allow, true);
  });
});
