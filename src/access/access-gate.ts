/**
 * The gate every customer-data act passes: it asks the policy engine (a lookup after the first time, see
 * policy/), publishes the decision on the bus for the watcher, and ledgers refusals. Allowed acts are
 * ledgered by the act itself, write-ahead, with what they did.
 *
 * Where training is required (LAW.md row 19, `CUSTOS_TRAINING_REQUIRED`), every act that reaches customer
 * data (`customerDataActs`) by a member whose record of the course is missing or expired is refused here,
 * before the policy, as TRAINING_REQUIRED — whatever else the act would have been refused for — and ledgered
 * like any refusal. Acts on no customer (managing staff, reading alerts) are not held.
 *
 * Invariant: fail closed. A policy engine that errs, or a risk lookup that throws, is a refusal, never an
 * allow; `require` throws on anything but an explicit allow; a principal carrying no training record where
 * training is required is untrained.
 */
import type { Ledger } from '../ledger/ledger.service.ts';
import { actorRef } from '../platform/actor.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import { CustosError, type ErrorCode, type FieldProblem } from '../platform/errors.ts';
import type { AccessAction, AccessDecision, AccessQuery, RiskTier } from './policy/access-query.ts';
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { EvidenceKind, RevealContext } from '../watch/risk/risk.types.ts';

export type GateQuery = Omit<AccessQuery, 'role' | 'riskTier'>;

/**
 * The query for an act decided on the role alone: no case, no customer present, no break-glass, no second
 * approver. Spread it and override what an act adds (a field class, a purpose).
 *
 * @example
 *   await gate.require(p, { ...roleOnly('export_request'), fieldClass: 'basic' }, { fields });
 */
export function roleOnly<A extends AccessAction>(action: A) {
  return {
    action,
    caseRelation: 'none',
    customerPresent: false,
    breakGlass: false,
    secondApprover: false,
  } as const satisfies GateQuery;
}

/** What a decision was about, for the ledger and the bus: ids and field names only. */
export interface GateSubject {
  customerId?: string;
  caseId?: string;
  fields?: string[];
}

/** What an allowed act adds for the watcher. */
export interface AllowedDetail extends GateSubject {
  breakGlass?: boolean;
  evidence?: EvidenceKind;
  /** A staff-initiated reveal's flags for the watcher. */
  context?: RevealContext;
  /** A search continuing a run of consecutive numbers. */
  patterned?: boolean;
  matches?: number;
  /** A search's hits (the watcher checks them against honey records). */
  customerIds?: string[];
}

export interface PolicyDecider {
  decide(query: AccessQuery): AccessDecision;
}

/** The acts that reach customer data: held for a member without current training where it is required. */
export const customerDataActs: ReadonlySet<string> = new Set([
  'view',
  'search',
  'reveal',
  'reveal_approval',
  'case_open',
  'break_glass',
  'export_request',
]);

const messages: Partial<Record<ErrorCode, string>> = {
  ACCESS_DENIED: 'Your role may not do this here',
  CASE_NOT_ASSIGNED: 'This case is not assigned to you',
  CASE_CLOSED: 'This case is closed',
  CASE_EXPIRED: 'This case has expired: open a new one',
  CUSTOMER_PRESENCE_REQUIRED: 'This needs the customer present: verify their code on the case first',
  POLICY_UNAVAILABLE: 'Access decisions are unavailable: try again later',
};

export function createAccessGate(deps: {
  policy: PolicyDecider;
  /** The watcher's current tier for a staff member (a lookup: it takes effect on the next request). */
  riskTier: (staffId: string) => RiskTier;
  /** The watcher's explanation of a staff member's tier, shown to them with a refusal it caused. */
  explainRisk?: (staffId: string) => FieldProblem[];
  ledger: Pick<Ledger, 'append'>;
  bus: Pick<EventBus, 'publish'>;
  /** Customer data only with a current training record (the principal carries it); off when absent. */
  training?: { required: boolean; clock: Clock };
}) {
  const { ledger, bus } = deps;

  /** Why `p` may not do `action` for want of training (the message), or undefined. */
  function untrained(p: StaffPrincipal, action: string): string | undefined {
    if (!deps.training?.required || !customerDataActs.has(action)) return undefined;
    const expiresAt = p.training?.expiresAt ?? null;
    const course = p.training ? `${p.training.course} training` : 'training';
    if (expiresAt === null)
      return `No ${course} on record: an administrator records it before you reach customer data`;
    if (expiresAt <= deps.training.clock.now())
      return (
        `Your ${course} expired on ${new Date(expiresAt).toISOString()}: ` +
        'renew it before you reach customer data'
      );
    return undefined;
  }

  function decide(p: StaffPrincipal, query: GateQuery): AccessDecision {
    if (untrained(p, query.action) !== undefined) return { allow: false, policies: [], errors: [] };
    try {
      return deps.policy.decide({ ...query, role: p.role, riskTier: deps.riskTier(p.staffId) });
    } catch (error) {
      return {
        allow: false,
        policies: [],
        errors: [error instanceof Error ? error.message : 'policy error'],
      };
    }
  }

  /** Record a refusal (ledger, then bus) and return the error to throw. */
  async function refuse(
    p: StaffPrincipal,
    action: string,
    code: ErrorCode,
    subject: GateSubject,
    policies: string[] = [],
    messageIn?: string,
  ): Promise<CustosError> {
    const training = untrained(p, action);
    if (training !== undefined) code = 'TRAINING_REQUIRED';
    const message = training ?? messageIn;
    await ledger.append({
      type: 'access.denied',
      actor: actorRef(p.actor),
      ...(subject.customerId ? { subject: subject.customerId } : {}),
      data: { action, code, ...subject, ...(policies.length > 0 ? { policies } : {}) },
    });
    bus.publish('access.decided', {
      staffId: p.staffId,
      role: p.role,
      action,
      allowed: false,
      code,
      ...subject,
    });
    return new CustosError(code, message ?? messages[code] ?? 'Not allowed');
  }

  /**
   * Throws unless the policy allows. `denyCode` names why in the words of the request (the case was
   * closed, not assigned…); an engine error is POLICY_UNAVAILABLE whatever the request.
   */
  async function require(
    p: StaffPrincipal,
    query: GateQuery,
    subject: GateSubject,
    denyCode: ErrorCode = 'ACCESS_DENIED',
  ): Promise<void> {
    const decision = decide(p, query);
    if (decision.allow) return;
    const code = decision.errors.length > 0 ? 'POLICY_UNAVAILABLE' : denyCode;
    throw await refuse(p, query.action, code, subject, decision.policies);
  }

  return {
    decide,
    /** The watcher's tier for `p` now (fail closed: a lookup that throws is `critical`). */
    tierOf(p: StaffPrincipal): RiskTier {
      try {
        return deps.riskTier(p.staffId);
      } catch {
        return 'critical';
      }
    },
    refuse,
    require,

    /**
     * Throws unless the policy lets `p`'s role do `action` at all (`roleOnly`): for acts on no case, such as
     * reading alerts, managing staff or approving exports.
     */
    requireAction: (p: StaffPrincipal, action: AccessAction, subject: GateSubject = {}): Promise<void> =>
      require(p, roleOnly(action), subject),

    /**
     * Refuse an act because of the watcher's tier, telling the staff member why (each indicator, its value
     * and baseline) and how to contest it.
     */
    /** The watcher's explanation of `p`'s tier, to show them (empty when the watcher gives none). */
    explainRisk(p: StaffPrincipal): FieldProblem[] {
      return deps.explainRisk?.(p.staffId) ?? [];
    },

    async refuseForRisk(
      p: StaffPrincipal,
      action: string,
      subject: GateSubject,
      message = 'Your recent access pattern holds your reveals until security reviews it; the details say why. ' +
        'If this is wrong, ask security to review it (your manager can too).',
    ): Promise<CustosError> {
      const refusal = await refuse(p, action, 'RISK_HOLD', subject);
      if (refusal.code === 'TRAINING_REQUIRED') return refusal;
      return new CustosError('RISK_HOLD', message, { details: deps.explainRisk?.(p.staffId) ?? [] });
    },

    /** Tell the watcher an allowed act happened (after its own ledger entry). */
    allowed(p: StaffPrincipal, action: string, subject: AllowedDetail): void {
      bus.publish('access.decided', { staffId: p.staffId, role: p.role, action, allowed: true, ...subject });
    },
  };
}

export type AccessGate = ReturnType<typeof createAccessGate>;
