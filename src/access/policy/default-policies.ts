/**
 * The policy set a new installation starts with (version 1). Changing the live set afterwards goes through
 * proposals and a second admin's approval (policy.service.ts); this text only seeds it.
 *
 * Shape: `permit`s say, per action, which roles may act and under what case, purpose and field class;
 * anything not permitted is denied. `forbid`s are guard rails that hold whatever a later permit says — the
 * rules the brief calls "never" (PIPL art. 28 for sensitive fields, marketing and security never reaching
 * an individual record, risk tiers). Every policy carries an `@id`, which decisions report.
 */
export const defaultPolicies = `
// ─── Cases ──────────────────────────────────────────────────────────────────────────────────────────

@id("case_open.frontline")
permit (principal, action == Action::"case_open", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context has purpose
};

@id("case.identity-purposes-need-customer-present")
forbid (principal, action in Action::"customer_record", resource)
when {
  context has purpose &&
  [Purpose::"identity_check", Purpose::"account_recovery"].contains(context.purpose) &&
  !context.customerPresent
};

@id("contractor.never-staff-initiated-cases")
forbid (principal, action, resource)
when {
  principal.role == Role::"contractor" &&
  context has channel && context.channel == Channel::"staff_initiated"
};

// ─── Search and view: finding a customer, and the masked record ────────────────────────────────────

@id("search.frontline")
permit (principal, action == Action::"search", resource)
when { [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) };

@id("view.assigned-open-case")
permit (principal, action == Action::"view", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open"
};

@id("view.break-glass")
permit (principal, action == Action::"view", resource)
when {
  [Role::"store", Role::"support", Role::"admin"].contains(principal.role) &&
  context.breakGlass && context.caseRelation == CaseRelation::"assigned_open"
};

// ─── Reveal: one field's plaintext, by the case's purpose and the field's class ─────────────────────

@id("reveal.repair")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"repair" &&
  [SensitivityClass::"basic", SensitivityClass::"contact"].contains(resource.class)
};

@id("reveal.delivery")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"delivery" &&
  [SensitivityClass::"basic", SensitivityClass::"contact"].contains(resource.class)
};

@id("reveal.complaint")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"complaint" &&
  [SensitivityClass::"basic", SensitivityClass::"contact"].contains(resource.class)
};

@id("reveal.billing")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"billing" &&
  [SensitivityClass::"basic", SensitivityClass::"contact", SensitivityClass::"identifier"].contains(resource.class)
};

@id("reveal.account_recovery")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"account_recovery" &&
  [SensitivityClass::"basic", SensitivityClass::"contact", SensitivityClass::"identifier"].contains(resource.class)
};

@id("reveal.identity_check")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"contractor"].contains(principal.role) &&
  context.caseRelation == CaseRelation::"assigned_open" &&
  context has purpose && context.purpose == Purpose::"identity_check" &&
  ([SensitivityClass::"basic", SensitivityClass::"identifier"].contains(resource.class) ||
   (resource.class == SensitivityClass::"sensitive" && context.secondApprover))
};

// Break-glass: an emergency without a case, reviewed afterwards; never the sensitive class.
@id("reveal.break-glass")
permit (principal, action == Action::"reveal", resource)
when {
  [Role::"store", Role::"support", Role::"admin"].contains(principal.role) &&
  context.breakGlass && context.caseRelation == CaseRelation::"assigned_open" &&
  [SensitivityClass::"basic", SensitivityClass::"contact", SensitivityClass::"identifier"].contains(resource.class)
};

// PIPL art. 28: sensitive personal information only with a second person's approval.
@id("reveal.sensitive-needs-second-approver")
forbid (principal, action == Action::"reveal", resource)
when { resource.class == SensitivityClass::"sensitive" && !context.secondApprover };

@id("contractor.never-sensitive")
forbid (principal, action == Action::"reveal", resource)
when { principal.role == Role::"contractor" && resource.class == SensitivityClass::"sensitive" };

@id("risk.high-tiers-no-reveal-or-break-glass")
forbid (principal, action in [Action::"reveal", Action::"break_glass"], resource)
when { [RiskTier::"high", RiskTier::"critical"].contains(context.riskTier) };

// ─── Break-glass ────────────────────────────────────────────────────────────────────────────────────

@id("break_glass.store-support-admin")
permit (principal, action == Action::"break_glass", resource)
when { [Role::"store", Role::"support", Role::"admin"].contains(principal.role) };

// ─── Marketing: aggregates only ─────────────────────────────────────────────────────────────────────

@id("marketing.aggregates")
permit (principal, action == Action::"aggregate", resource)
when { principal.role == Role::"marketing" };

// ─── Record exports: requested by support or an administrator, approved by security ────────────────

@id("export_request.records")
permit (principal, action == Action::"export_request", resource)
when {
  [Role::"support", Role::"admin"].contains(principal.role) &&
  resource has class &&
  [SensitivityClass::"basic", SensitivityClass::"contact", SensitivityClass::"identifier"].contains(resource.class)
};

@id("marketing.never-individual-records")
forbid (principal, action in Action::"customer_record", resource)
when { principal.role == Role::"marketing" };

// ─── Security: oversight, never a customer's record ─────────────────────────────────────────────────

@id("security.oversight")
permit (principal, action in [Action::"ledger_read", Action::"alert_read", Action::"export_approve"], resource)
when { principal.role == Role::"security" };

@id("security.never-individual-records")
forbid (principal, action in Action::"customer_record", resource)
when { principal.role == Role::"security" };

// ─── Admin: staff and policies; customer records only under break-glass ─────────────────────────────

@id("admin.administration")
permit (principal, action in [Action::"staff_manage", Action::"policy_edit", Action::"policy_approve"], resource)
when { principal.role == Role::"admin" };

@id("admin.records-only-under-break-glass")
forbid (principal, action in [Action::"view", Action::"reveal"], resource)
when { principal.role == Role::"admin" && !context.breakGlass };
`;
