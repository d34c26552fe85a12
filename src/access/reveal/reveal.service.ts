/**
 * The reveal: the plaintext of some fields of a case's customer, for a reason. This is the reveal path of
 * DESIGN.md §2:
 *
 *   step-up fresh → case relation → policy per field → quota (distinct customers) → ledger (durable) →
 *   decrypt only the allowed fields → watcher (bus) → response
 *
 * Invariants: no plaintext leaves before its `customer.revealed` entry is durable (the decrypt runs inside
 * `ledger.record`, after the append); a refusal at any step is ledgered and published; a reveal is all or
 * nothing — one field refused refuses the request; a quota reservation holds until the reveal's entry is durable.
 */
import { CustosError, type FieldProblem } from '../../platform/errors.ts';
import type { RevealContext, RiskTier } from '../../watch/risk/risk.types.ts';
import type { EntryPayloads } from '../../ledger/entry-types.ts';
import type { RevealContexts } from './reveal-context.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { MaskedCustomer } from '../../vault/vault.types.ts';
import type { AccessGate } from '../access-gate.ts';
import { relationCode } from '../cases/case-state.ts';
import type { CaseEvidence } from '../cases/case-evidence.ts';
import type { Cases } from '../cases/cases.service.ts';
import { reserveOrRefuse } from '../quotas/quota-refusal.ts';
import type { Quotas } from '../quotas/quotas.ts';
import type { RevealApprovals } from './reveal-approvals.service.ts';
import { fieldClass, validFields, validReason } from './reveal-request.ts';

export interface RevealResult {
  caseId: string;
  customerId: string;
  /** The real values of the fields asked for (null: the field is empty). */
  revealed: Record<string, string | Record<string, string> | null>;
  /** Everything else, masked. */
  customer: MaskedCustomer;
  /** When the watcher holds the staff member above `normal`: their tier and why, on this very answer. */
  risk?: { tier: RiskTier; explanation: FieldProblem[] };
}

/** The flags as the ledger keeps them: only those set. */
function ledgerContext(c: RevealContext): NonNullable<EntryPayloads['customer.revealed']['context']> {
  return {
    ...(c.followUp ? { followUp: true as const } : {}),
    ...(c.outOfRegion ? { outOfRegion: true as const } : {}),
    ...(c.offShift ? { offShift: true as const } : {}),
    ...(c.special === undefined ? {} : { special: c.special }),
  };
}

export function createReveals(deps: {
  vault: Pick<VaultService, 'prepareReveal'>;
  cases: Pick<Cases, 'contextFor'>;
  gate: AccessGate;
  quotas: Pick<Quotas, 'reserveReveal'>;
  revealApprovals: Pick<RevealApprovals, 'consume'>;
  sessions: Pick<Sessions, 'requireStepUp' | 'spendStepUp'>;
  evidence: Pick<CaseEvidence, 'of'>;
  /** The watcher's flags for a staff-initiated reveal (follow-up, region, shift, special customers). */
  contexts: Pick<RevealContexts, 'contextOf'>;
  ledger: Pick<Ledger, 'record'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}) {
  const { vault, cases, gate, quotas, ledger, bus, clock } = deps;

  return {
    /**
     * The reveal path. `approvalId` names a second person's approval (reveal-approvals) for fields that
     * need one (the sensitive class); it is used up only when the policy allows the reveal with it.
     */
    async reveal(
      p: StaffPrincipal,
      caseId: string,
      fieldsIn: unknown,
      reasonIn: unknown,
      approvalId?: string,
    ): Promise<RevealResult> {
      // The watcher's tier, looked up once: a step-up refused above `normal` says why.
      const tier = gate.tierOf(p);
      const explained = (error: unknown): never => {
        if (!(error instanceof CustosError) || tier === 'normal') throw error;
        throw new CustosError(
          error.code,
          'Your recent access needs a second factor for each reveal; the details say why',
          {
            details: gate.explainRisk(p),
          },
        );
      };
      try {
        deps.sessions.requireStepUp(p.session);
      } catch (error) {
        explained(error);
      }
      const fields = validFields(fieldsIn);
      const reason = validReason(reasonIn);
      const c = await cases.contextFor(p, caseId);
      const customerId = c.customerId;
      const evidence = await deps.evidence.of(c, p.staffId);
      const subject = { caseId, customerId, fields };
      // Nothing shows the customer started it: its own budget (quotas) and the watcher's flags.
      const staffInitiated = evidence === 'none' && !c.breakGlass;
      // The watcher's tier (from the start of the request): `critical` holds every reveal, `high` lets through only
      // a reveal a second person approved (the policy says the same, as a second line); `elevated` makes each
      // reveal spend its own step-up.
      if (tier === 'critical') throw await gate.refuseForRisk(p, 'reveal', subject);
      if (tier === 'high' && approvalId === undefined)
        throw await gate.refuseForRisk(
          p,
          'reveal',
          subject,
          'Your recent access pattern needs a second person to approve each reveal until it settles; the ' +
            'details say why. Ask for one at POST /v1/cases/{caseId}/reveal-approvals.',
        );
      if (tier === 'elevated') await deps.sessions.spendStepUp(p.session).catch(explained);
      const refusedBy: string[] = [];
      for (const field of fields) {
        const decision = gate.decide(p, {
          action: 'reveal',
          fieldClass: fieldClass(field),
          field,
          caseRelation: c.relation,
          purpose: c.purpose,
          channel: c.channel,
          customerPresent: c.customerPresent,
          breakGlass: c.breakGlass,
          secondApprover: approvalId !== undefined,
        });
        if (decision.errors.length > 0) throw await gate.refuse(p, 'reveal', 'POLICY_UNAVAILABLE', subject);
        if (!decision.allow) refusedBy.push(field);
      }
      if (refusedBy.length > 0) {
        const code = relationCode[c.relation];
        throw await gate.refuse(
          p,
          'reveal',
          code,
          subject,
          [],
          code === 'ACCESS_DENIED'
            ? `Not allowed for a ${c.purpose} case: ${refusedBy.join(', ')}`
            : undefined,
        );
      }
      // After the policy (a refused reveal does not use the approval), before anything is written or opened.
      if (approvalId !== undefined && !(await deps.revealApprovals.consume(p, caseId, approvalId, fields))) {
        throw await gate.refuse(
          p,
          'reveal',
          'APPROVAL_REQUIRED',
          subject,
          [],
          'This approval is not usable here (used, expired, not approved, or for other fields)',
        );
      }
      const revealId = uuidv7(clock.now());
      const release = await reserveOrRefuse(gate, p, 'reveal', subject, () =>
        quotas.reserveReveal(p, customerId, staffInitiated),
      );
      let context: RevealContext | undefined;
      const result = await (async () => {
        const customer = await vault.prepareReveal(customerId);
        if (staffInitiated) {
          const flags = await deps.contexts.contextOf(p, caseId, customerId, customer.masked());
          if (Object.keys(flags).length > 0) context = flags;
        }
        const reasonSealed = customer.sealNote(`reveal-reason/${revealId}`, reason).toString('base64');
        // The reveal counts (quota) and is on the record (customer history) by this one durable entry.
        return ledger.record(
          {
            type: 'customer.revealed',
            actor: actorRef(p.actor),
            subject: customerId,
            data: {
              customerId,
              caseId,
              fields,
              purpose: c.purpose,
              revealId,
              reason: reasonSealed,
              ...(approvalId === undefined ? {} : { approvalId }),
              evidence,
              ...(c.breakGlass ? { breakGlass: true as const } : {}),
              ...(context === undefined ? {} : { context: ledgerContext(context) }),
            },
          },
          async () => customer.open(fields),
        );
      })().finally(release);
      bus.publish('customer.revealed', {
        staffId: p.staffId,
        customerId,
        caseId,
        revealId,
        fields,
        purpose: c.purpose,
        breakGlass: c.breakGlass,
      });
      gate.allowed(p, 'reveal', {
        ...subject,
        breakGlass: c.breakGlass,
        evidence,
        ...(context === undefined ? {} : { context }),
      });
      return {
        caseId,
        customerId,
        revealed: result.values,
        customer: result.view,
        ...(tier === 'normal' ? {} : { risk: { tier, explanation: gate.explainRisk(p) } }),
      };
    },
  };
}

export type Reveals = ReturnType<typeof createReveals>;
