/**
 * Builds the access module: policy engine, cases, quotas, the customer-data paths, portal invitations,
 * break-glass, consents, exports, reveal approvals.
 */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.ts';
import type { Accounts } from '../identity/accounts/accounts.service.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { StaffStore } from '../identity/staff/staff.store.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/database/schema.ts';
import type { VaultService } from '../vault/vault.service.ts';
import { createAccessGate, type PolicyDecider } from './access-gate.ts';
import { createAlerts } from '../watch/alerts.service.ts';
import { createAlertStore } from '../watch/alerts.store.ts';
import { createBreakGlass } from './break-glass/break-glass.service.ts';
import { createCases } from './cases/cases.service.ts';
import { createCaseStore } from './cases/cases.store.ts';
import { createConsents } from '../privacy/consents.service.ts';
import { createConsentStore } from '../privacy/consents.store.ts';
import { createCustomerAccess } from './reveal/reveal.service.ts';
import { createExports } from './exports/exports.service.ts';
import { createExportStore } from './exports/exports.store.ts';
import type { RiskTier } from './policy/access-query.ts';
import { createPortalInvitations } from './cases/portal-invitations.service.ts';
import { createPresenceCodes } from './cases/presence-codes.ts';
import { createPrincipals } from '../identity/sessions/principal.ts';
import { createQuotaOverrides } from './quotas/quota-overrides.service.ts';
import { createQuotas } from './quotas/quotas.ts';
import { createQuotaOverrideStore } from './quotas/quota-overrides.store.ts';
import { createRevealApprovals } from './reveal/reveal-approvals.service.ts';
import { createRevealApprovalStore } from './reveal/reveal-approvals.store.ts';

export function wireAccess(deps: {
  db: Kysely<Database>;
  policy: PolicyDecider;
  vault: VaultService;
  keyring: Pick<Keyring, 'blindIndex'>;
  staff: Pick<StaffStore, 'byId'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  /** Identity's customer accounts: portal invitations are sent through a case from here. */
  accounts: Pick<Accounts, 'inviteCustomer'>;
  ledger: Pick<Ledger, 'append' | 'record' | 'distinctSubjectsSince' | 'countSince'>;
  bus: EventBus;
  clock: Clock;
  /** The insider-risk watcher's tier for a staff member (Step 5); every account is `normal` without it. */
  riskTier?: (staffId: string) => RiskTier;
}) {
  const { db, vault, ledger, bus, clock, sessions } = deps;
  const gate = createAccessGate({
    policy: deps.policy,
    riskTier: deps.riskTier ?? (() => 'normal'),
    ledger,
    bus,
  });
  const caseStore = createCaseStore(db);
  const quotas = createQuotas({ store: createQuotaOverrideStore(db), ledger, clock });
  const alerts = createAlerts({ store: createAlertStore(db), ledger, bus, clock });
  const presenceCodes = createPresenceCodes({
    store: caseStore,
    keyring: deps.keyring,
    vault,
    ledger,
    clock,
  });
  const cases = createCases({
    store: caseStore,
    staff: deps.staff,
    vault,
    presence: presenceCodes,
    gate,
    ledger,
    bus,
    clock,
  });
  const consents = createConsents({ store: createConsentStore(db), cases, gate, ledger, clock });
  const revealApprovals = createRevealApprovals({
    store: createRevealApprovalStore(db),
    cases,
    vault,
    gate,
    sessions,
    ledger,
    clock,
  });
  return {
    gate,
    principalOf: createPrincipals({ staff: deps.staff }),
    cases,
    presenceCodes,
    quotas,
    quotaOverrides: createQuotaOverrides({ quotas, gate, staff: deps.staff, ledger }),
    alerts,
    consents,
    portalInvitations: createPortalInvitations({ cases, gate, accounts: deps.accounts, sessions }),
    customerAccess: createCustomerAccess({
      vault,
      cases,
      gate,
      quotas,
      revealApprovals,
      sessions,
      ledger,
      bus,
      clock,
    }),
    breakGlass: createBreakGlass({ cases, store: caseStore, vault, gate, alerts, sessions, ledger, clock }),
    exports: createExports({
      store: createExportStore(db),
      vault,
      consents,
      gate,
      sessions,
      ledger,
      bus,
      clock,
    }),
    revealApprovals,
  };
}

export type AccessModule = ReturnType<typeof wireAccess>;
