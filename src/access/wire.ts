/**
 * Builds the access module: the gate every decision passes, cases and their presence codes, the customer's
 * record through a case, the reveal and its quotas, reveal approvals, portal invitations, break-glass,
 * exports, quota overrides. The policy engine it decides with is `policy/wire.ts`.
 */
import type { Announcements } from '../identity/staff/announcements.ts';
import type { Independence } from '../identity/staff/independence.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Invitations } from '../identity/accounts/invitations.service.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { FieldProblem } from '../platform/errors.ts';
import type { Platform } from '../platform/platform.ts';
import type { Consents } from '../privacy/consents.service.ts';
import type { Outbox } from '../privacy/outbox/outbox.service.ts';
import type { VaultService } from '../vault/vault.service.ts';
import type { Alerts } from '../watch/alerts.service.ts';
import { createAccessGate, type PolicyDecider } from './access-gate.ts';
import { createBreakGlass } from './break-glass/break-glass.service.ts';
import { createBreakGlassStore } from './break-glass/break-glass.store.ts';
import { createCaseConsents } from './cases/case-consents.service.ts';
import { createCases } from './cases/cases.service.ts';
import { createInboundCalls } from './cases/inbound-calls.service.ts';
import { createInboundCallStore } from './cases/inbound-calls.store.ts';
import { createAppointments } from './cases/appointments.service.ts';
import { createAppointmentStore } from './cases/appointments.store.ts';
import { createCaseEvidence } from './cases/case-evidence.ts';
import { createPortalRequests } from './cases/portal-requests.service.ts';
import { createPortalRequestStore } from './cases/portal-requests.store.ts';
import { createCaseStore, withCaseCache } from './cases/cases.store.ts';
import { createPortalInvitations } from './cases/portal-invitations.service.ts';
import { createPresenceCodes } from './cases/presence-codes.ts';
import { createCustomers } from './customers/customers.service.ts';
import { createExports } from './exports/exports.service.ts';
import { createExportCaps } from './exports/export-caps.ts';
import { createExportStore } from './exports/exports.store.ts';
import { createPrivacyBudget } from './exports/privacy-budget.ts';
import { createPrivacyBudgetStore } from './exports/privacy-budget.store.ts';
import type { RiskTier } from './policy/access-query.ts';
import { createQuotaOverrides } from './quotas/quota-overrides.service.ts';
import { createQuotaRaiseStore } from './quotas/quota-raises.store.ts';
import { createQuotaOverrideStore, withOverrideCache } from './quotas/quota-overrides.store.ts';
import { createQuotas } from './quotas/quotas.ts';
import { createRevealApprovals } from './reveal/reveal-approvals.service.ts';
import { createRevealApprovalStore } from './reveal/reveal-approvals.store.ts';
import { createSearchPatterns } from './customers/search-patterns.ts';
import { createRevealContexts } from './reveal/reveal-context.ts';
import { createReveals } from './reveal/reveal.service.ts';

export async function wireAccess(deps: {
  platform: Platform;
  policy: PolicyDecider;
  vault: VaultService;
  keyring: Pick<Keyring, 'blindIndex'>;
  staff: Pick<StaffDirectory, 'member' | 'activeMember'>;
  sessions: Pick<Sessions, 'requireStepUp' | 'spendStepUp'>;
  /** Identity's customer invitations: portal invitations are sent through a case from here. */
  invitations: Pick<Invitations, 'inviteCustomer'>;
  consents: Consents;
  /** The privacy outbox: portal invitations and notices to customers go through it. */
  outbox: Pick<Outbox, 'queue'>;
  alerts: Pick<Alerts, 'raise'>;
  independence: Independence;
  announcements: Pick<Announcements, 'announce'>;
  ledger: Pick<Ledger, 'append' | 'record' | 'distinctSubjectsSince' | 'countSince' | 'subjectsSinceWhere'>;
  /** The insider-risk watcher's tier for a staff member (Step 5); every account is `normal` without it. */
  riskTier?: (staffId: string) => RiskTier;
  /** The watcher's marks: is this customer a VIP or a co-worker? (Step 5; nobody is without it.) */
  markOf?: (customerId: string) => 'vip' | 'coworker' | undefined;
  /** The watcher's explanation, shown to a staff member with a refusal their tier caused. */
  explainRisk?: (staffId: string) => FieldProblem[];
}) {
  const { platform, vault, ledger, sessions, consents, alerts } = deps;
  const { clock, bus } = platform;
  const db = platform.database.db;
  const riskTier = deps.riskTier ?? (() => 'normal' as const);
  const gate = createAccessGate({
    policy: deps.policy,
    riskTier,
    ...(deps.explainRisk ? { explainRisk: deps.explainRisk } : {}),
    ledger,
    bus,
    training: { required: platform.config.trainingRequired, clock },
  });
  const caseStore = withCaseCache(createCaseStore(db), platform.changes);
  const exportStore = createExportStore(db);
  const { config } = platform;
  const quotas = createQuotas({
    store: withOverrideCache(createQuotaOverrideStore(db), platform.changes),
    ledger,
    clock,
    riskTier,
  });
  const inboundCalls = createInboundCalls({
    store: createInboundCallStore(db),
    vault,
    staff: deps.staff,
    ledger,
    clock,
  });
  const portalRequests = createPortalRequests({
    store: createPortalRequestStore(db),
    vault,
    gate,
    ledger,
    clock,
  });
  const appointments = createAppointments({
    store: createAppointmentStore(db),
    staff: deps.staff,
    ledger,
    clock,
  });
  const presenceCodes = createPresenceCodes({
    store: caseStore,
    keyring: deps.keyring,
    vault,
    gate,
    ledger,
    clock,
  });
  const cases = createCases({
    store: caseStore,
    staff: deps.staff,
    vault,
    presence: presenceCodes,
    portalRequests,
    gate,
    ledger,
    bus,
    clock,
  });
  const { independence, announcements } = deps;
  const caseEvidence = createCaseEvidence({ inboundCalls, portalRequests, appointments });
  const revealApprovals = createRevealApprovals({
    caseById: (caseId) => caseStore.byId(caseId),
    evidence: caseEvidence,
    store: createRevealApprovalStore(db),
    cases,
    vault,
    gate,
    sessions,
    ledger,
    clock,
    independence,
    announcements,
  });
  return {
    gate,
    cases,
    presenceCodes,
    quotas,
    quotaOverrides: createQuotaOverrides({
      quotas,
      gate,
      staff: deps.staff,
      ledger,
      raises: createQuotaRaiseStore(db),
      sessions,
      independence,
      announcements,
      clock,
    }),
    caseConsents: createCaseConsents({ consents, cases, gate }),
    portalInvitations: createPortalInvitations({
      cases,
      gate,
      invitations: deps.invitations,
      outbox: deps.outbox,
      sessions,
      ledger,
    }),
    customers: createCustomers({
      patterns: createSearchPatterns({
        digest: (text) => deps.keyring.blindIndex('watch_mark', text).toString('hex'),
      }),
      vault,
      cases,
      gate,
      quotas,
      presence: presenceCodes,
      outbox: deps.outbox,
      sessions,
      clock,
    }),
    inboundCalls,
    portalRequests,
    appointments,
    reveals: createReveals({
      vault,
      cases,
      gate,
      quotas,
      revealApprovals,
      sessions,
      evidence: caseEvidence,
      contexts: createRevealContexts({
        contactedSince: async (customerId, staffId, since, caseId) =>
          (await caseStore.presentOnOtherCaseSince(customerId, staffId, since, caseId)) ||
          (await inboundCalls.tookCallSince(staffId, customerId, since)),
        markOf: deps.markOf ?? (() => undefined),
        staff: deps.staff,
        settings: {
          regionProvinces: config.regionProvinces,
          shifts: config.shifts,
          utcOffsetMs: 8 * 3_600_000,
        },
        clock,
      }),
      ledger,
      bus,
      clock,
    }),
    breakGlass: createBreakGlass({
      cases,
      store: caseStore,
      limits: createBreakGlassStore(db),
      weeklyCap: config.breakGlassWeeklyCap,
      vault,
      gate,
      alerts,
      sessions,
      ledger,
      clock,
    }),
    exports: createExports({
      store: exportStore,
      vault,
      consents,
      caps: createExportCaps({
        store: exportStore,
        gate,
        clock,
        limits: {
          requesterDay: config.exportRequesterDay,
          requesterWeek: config.exportRequesterWeek,
          approverDay: config.exportApproverDay,
          approverWeek: config.exportApproverWeek,
        },
      }),
      largeExport: {
        threshold: config.exportLargeThreshold,
        quorum: config.exportLargeQuorum,
        waitMs: config.exportLargeWaitHours * 3_600_000,
      },
      alerts,
      budget: createPrivacyBudget({
        store: createPrivacyBudgetStore(db),
        clock,
        epsilon: config.aggregateEpsilon,
        budget: config.aggregateBudget,
        windowMs: config.aggregateBudgetDays * 86_400_000,
      }),
      gate,
      sessions,
      ledger,
      bus,
      clock,
      independence,
      announcements,
    }),
    revealApprovals,
  };
}

export type AccessModule = Awaited<ReturnType<typeof wireAccess>>;
