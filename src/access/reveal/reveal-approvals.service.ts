/**
 * Reveal approvals: four eyes for the sensitive class (PIPL art. 28; LAW.md row 15). A staff member
 * working a case asks for some fields of its customer with a reason; a second person of the approving role
 * (the policy's `export_approve`) approves or rejects it within 30 minutes; the reveal path then `consume`s
 * the approval, which is what lets it ask the policy with `secondApprover: true`.
 *
 * Invariants: the approver is never the requester and acts with a fresh second factor; an approval is used
 * at most once (one conditional UPDATE), only by its requester, only on its case, only for fields it names,
 * only before it expires; asking, deciding and using are each ledgered before they take effect, with ids
 * and field names only (the reason is sealed under the customer's key).
 */
import type { Announcements } from '../../identity/staff/announcements.ts';
import type { Independence } from '../../identity/staff/independence.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, isCustosError } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { AccessGate } from '../access-gate.ts';
import { relationCode } from '../cases/case-state.ts';
import type { Cases } from '../cases/cases.service.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { RevealApprovalStore } from './reveal-approvals.store.ts';
import type { RevealApprovalRecord } from './reveal-approvals.types.ts';
import type { CaseEvidence } from '../cases/case-evidence.ts';
import type { CaseRecord } from '../cases/cases.types.ts';
import type { EvidenceKind } from '../../watch/risk/risk.types.ts';
import { fieldClass, validFields, validReason } from './reveal-request.ts';

/** How long an approval may be decided on and then used, from the request. */
export const REVEAL_APPROVAL_TTL_MS = 30 * 60_000;

/** What requester and approver see: ids, field names and state; no personal data, not even the reason. */
export interface RevealApprovalView {
  id: string;
  caseId: string;
  customerId: string;
  purpose: string;
  fields: string[];
  status: 'pending' | 'approved' | 'rejected' | 'used' | 'expired';
  requestedBy: string;
  decidedBy: string | null;
  createdAt: string;
  expiresAt: string;
  /**
   * What shows the customer started the requester's access through the case (`none`: staff-initiated), as
   * of now: what an approver weighs, above all for a requester the watcher holds at `high`.
   */
  evidence: EvidenceKind;
}

function view(approval: RevealApprovalRecord, now: number, evidence: EvidenceKind): RevealApprovalView {
  const open = approval.status === 'pending' || approval.status === 'approved';
  return {
    id: approval.id,
    caseId: approval.caseId,
    customerId: approval.customerId,
    purpose: approval.purpose,
    fields: approval.fields,
    status: open && now >= approval.expiresAt ? 'expired' : approval.status,
    requestedBy: approval.requestedBy,
    decidedBy: approval.decidedBy,
    createdAt: new Date(approval.createdAt).toISOString(),
    expiresAt: new Date(approval.expiresAt).toISOString(),
    evidence,
  };
}

export function createRevealApprovals(deps: {
  store: RevealApprovalStore;
  cases: Pick<Cases, 'contextFor'>;
  vault: Pick<VaultService, 'exists' | 'sealNote'>;
  gate: AccessGate;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
  /** Four eyes are two people: the approver must be independent of the requester (identity/staff). */
  independence: Independence;
  /** Every approval is announced to the rest of the approving role. */
  announcements: Pick<Announcements, 'announce'>;
  /** The case and its evidence, for what the approver is shown. */
  caseById: (caseId: string) => Promise<CaseRecord | undefined>;
  evidence: Pick<CaseEvidence, 'of'>;
}) {
  const { store, gate, ledger, clock } = deps;

  /** The evidence of the requester's access through the approval's case now (a case gone: none). */
  async function evidenceOf(approval: RevealApprovalRecord): Promise<EvidenceKind> {
    const record = await deps.caseById(approval.caseId);
    if (!record) return 'none';
    return deps.evidence.of(
      { record, customerPresent: record.customerPresentAt !== null },
      approval.requestedBy,
    );
  }
  const shown = async (approval: RevealApprovalRecord, now: number) =>
    view(approval, now, await evidenceOf(approval));

  async function load(id: string): Promise<RevealApprovalRecord> {
    const approval = isUuid(id) ? await store.byId(id) : undefined;
    if (!approval) throw new CustosError('APPROVAL_NOT_FOUND', 'No such reveal approval');
    return approval;
  }

  return {
    /**
     * Ask a second person to approve revealing `fields` through a case you work (step-up; the policy must
     * let you view the case, and let you reveal each field once approved). Nothing is revealed here.
     */
    async request(
      p: StaffPrincipal,
      caseId: string,
      input: { fields: unknown; reason: unknown },
    ): Promise<RevealApprovalView> {
      deps.sessions.requireStepUp(p.session);
      const fields = validFields(input.fields);
      const reason = validReason(input.reason);
      const c = await deps.cases.contextFor(p, caseId);
      const customerId = c.customerId;
      const subject = { caseId, customerId, fields };
      const caseQuery = {
        caseRelation: c.relation,
        purpose: c.purpose,
        channel: c.channel,
        customerPresent: c.customerPresent,
        breakGlass: c.breakGlass,
      };
      await gate.require(
        p,
        { action: 'view', ...caseQuery, secondApprover: false },
        subject,
        relationCode[c.relation],
      );
      // An approval the policy would not honour anyway is refused now, not after security has spent time on it.
      const refusedBy = [];
      for (const field of fields) {
        const decision = gate.decide(p, {
          action: 'reveal',
          fieldClass: fieldClass(field),
          field,
          ...caseQuery,
          secondApprover: true,
        });
        if (decision.errors.length > 0)
          throw await gate.refuse(p, 'reveal_approval', 'POLICY_UNAVAILABLE', subject);
        if (!decision.allow) refusedBy.push(field);
      }
      if (refusedBy.length > 0) {
        throw await gate.refuse(
          p,
          'reveal_approval',
          'ACCESS_DENIED',
          subject,
          [],
          `Not revealable for a ${c.purpose} case even with approval: ${refusedBy.join(', ')}`,
        );
      }
      if (!(await deps.vault.exists(customerId)))
        throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
      const now = clock.now();
      const id = uuidv7(now);
      const approval: RevealApprovalRecord = {
        id,
        caseId,
        customerId,
        purpose: c.purpose,
        requestedBy: p.staffId,
        fields,
        reasonSealed: await deps.vault.sealNote(customerId, `reveal-approval-reason/${id}`, reason),
        status: 'pending',
        createdAt: now,
        expiresAt: now + REVEAL_APPROVAL_TTL_MS,
        decidedBy: null,
        decidedAt: null,
        usedAt: null,
      };
      await ledger.record(
        {
          type: 'reveal_approval.requested',
          actor: actorRef(p.actor),
          subject: customerId,
          data: { approvalId: id, caseId, customerId, fields, expiresAt: approval.expiresAt },
        },
        () => store.insert(approval),
      );
      return shown(approval, now);
    },

    /** Requests awaiting a decision and not yet expired, oldest first (the approving role). */
    async pending(p: StaffPrincipal): Promise<RevealApprovalView[]> {
      await gate.requireAction(p, 'export_approve');
      const now = clock.now();
      return Promise.all((await store.pending(now, 200)).map((approval) => shown(approval, now)));
    },

    /** One request: for its requester, or the approving role. */
    async get(p: StaffPrincipal, id: string): Promise<RevealApprovalView> {
      const approval = await load(id);
      if (approval.requestedBy !== p.staffId)
        await gate.requireAction(p, 'export_approve', { caseId: approval.caseId });
      return shown(approval, clock.now());
    },

    /** The second person's decision: the approving role, a fresh second factor, never the requester. */
    async decide(p: StaffPrincipal, id: string, approve: boolean): Promise<RevealApprovalView> {
      deps.sessions.requireStepUp(p.session);
      await gate.requireAction(p, 'export_approve');
      const approval = await load(id);
      if (approval.requestedBy === p.staffId) {
        throw new CustosError('SAME_PERSON', 'A second person must decide on your reveal');
      }
      if (approve) await deps.independence.assertIndependent(p.staffId, [approval.requestedBy]);
      const now = clock.now();
      if (approval.status !== 'pending' || now >= approval.expiresAt) {
        throw new CustosError('APPROVAL_NOT_PENDING', 'This reveal approval was decided already or expired');
      }
      const status = approve ? 'approved' : 'rejected';
      await ledger.record(
        {
          type: 'reveal_approval.decided',
          actor: actorRef(p.actor),
          subject: approval.customerId,
          data: { approvalId: id, caseId: approval.caseId, approved: approve },
        },
        async () => {
          if (!(await store.decide(id, { status, decidedBy: p.staffId, at: now }))) {
            throw new CustosError(
              'APPROVAL_NOT_PENDING',
              'This reveal approval was decided already or expired',
            );
          }
          if (approve) {
            await deps.announcements.announce({
              role: p.role,
              kind: 'reveal_approval.approved',
              subjectId: id,
              requestedBy: approval.requestedBy,
              decidedBy: p.staffId,
            });
          }
        },
      );
      return shown({ ...approval, status, decidedBy: p.staffId, decidedAt: now }, now);
    },

    /**
     * For the reveal path: true, once, when `approvalId` is an approved, unexpired approval that `p` asked
     * for on `caseId`, naming every one of `fields`; it is then used up (ledgered first). False otherwise,
     * and for every later call. Two concurrent reveals with one approval: one gets true.
     */
    async consume(p: StaffPrincipal, caseId: string, approvalId: string, fields: string[]): Promise<boolean> {
      const approval = isUuid(approvalId) ? await store.byId(approvalId) : undefined;
      const now = clock.now();
      if (
        !approval ||
        approval.status !== 'approved' ||
        approval.requestedBy !== p.staffId ||
        approval.caseId !== caseId ||
        approval.decidedBy === null ||
        approval.decidedBy === approval.requestedBy ||
        now >= approval.expiresAt
      ) {
        return false;
      }
      const approved = new Set(approval.fields);
      if (fields.length === 0 || !fields.every((field) => approved.has(field))) return false;
      try {
        await ledger.record(
          {
            type: 'reveal_approval.used',
            actor: actorRef(p.actor),
            subject: approval.customerId,
            data: { approvalId, caseId, fields: [...fields] },
          },
          async () => {
            if (!(await store.use(approvalId, { staffId: p.staffId, caseId, at: now }))) {
              throw new CustosError('APPROVAL_NOT_PENDING', 'This reveal approval was used already');
            }
          },
        );
        return true;
      } catch (error) {
        // Another reveal used it first (its `act.failed` is in the ledger); anything else fails closed.
        if (isCustosError(error, 'APPROVAL_NOT_PENDING')) return false;
        throw error;
      }
    },
  };
}

export type RevealApprovals = ReturnType<typeof createRevealApprovals>;
