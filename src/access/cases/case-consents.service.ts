/**
 * Staff record a customer's consent choice through a case (the consents themselves are privacy's).
 *
 * Invariant: a refusal or withdrawal through any case the staff member may view; a grant only through a
 * case with a verified customer-present proof — otherwise a harvester could "consent" customers into a
 * sale export. The refusal of a grant is ledgered like every refusal.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { validationFailed } from '../../platform/errors.ts';
import { type ConsentState, consentPurposes, type Consents } from '../../privacy/consents.service.ts';
import type { AccessGate } from '../access-gate.ts';
import type { Cases } from './cases.service.ts';

export function createCaseConsents(deps: {
  consents: Pick<Consents, 'set' | 'forCustomer' | 'isConsentPurpose'>;
  cases: Pick<Cases, 'viewable'>;
  gate: Pick<AccessGate, 'refuse'>;
}) {
  const { consents } = deps;
  return {
    /** Staff record the customer's choice on a case they may view. */
    async record(
      p: StaffPrincipal,
      caseId: string,
      purpose: string,
      granted: boolean,
    ): Promise<ConsentState[]> {
      if (!consents.isConsentPurpose(purpose)) {
        throw validationFailed([
          { path: 'purpose', problem: `must be one of ${consentPurposes.join(', ')}` },
        ]);
      }
      const c = await deps.cases.viewable(p, caseId);
      if (granted && !c.customerPresent) {
        throw await deps.gate.refuse(p, 'consent_grant', 'CUSTOMER_PRESENCE_REQUIRED', {
          caseId,
          customerId: c.customerId,
        });
      }
      await consents.set(p.actor, c.customerId, purpose, granted, 'staff');
      return consents.forCustomer(c.customerId);
    },
  };
}

export type CaseConsents = ReturnType<typeof createCaseConsents>;
