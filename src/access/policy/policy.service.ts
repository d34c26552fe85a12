/**
 * The policy set's lifecycle, under four eyes: an admin proposes a new text, a different admin approves it
 * (it becomes the next version, in force at once on this node and after `refresh()` on the others) or
 * either rejects it.
 *
 * Invariants: a change (propose, approve, reject) needs a fresh step-up of the acting staff member's session,
 * checked here before anything else; then authorisation, through the policy engine itself (`policy_edit` to
 * propose, `policy_approve` to decide); no one approves their own proposal; a proposal replaces only the version it
 * was written against (so approving cannot silently undo a change made meanwhile); nothing invalid is
 * stored or put in force, nor a set under which no role could edit and approve policies any more (that
 * would lock the policy set for good); every proposal, approval and rejection is in the ledger, with the
 * full line diff, before it takes effect.
 */
import type { Announcements } from '../../identity/staff/announcements.ts';
import type { Independence } from '../../identity/staff/independence.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { EntryInput, EntryType } from '../../ledger/entry-types.ts';
import { type StaffRole, staffRoles } from '../../identity/staff/staff.types.ts';
import { actorRef, staffIdOfRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import { roleOnly } from '../access-gate.ts';
import type { AccessQuery } from './access-query.ts';
import { defaultPolicies } from './default-policies.ts';
import { unifiedLineDiff } from './line-diff.ts';
import { createPolicyEngine, type PolicyEngine } from './policy-engine.ts';
import { validatePolicies } from './policy-validation.ts';
import type { PolicyStore } from './policy.store.ts';

/** Who reads the policy set: a staff member and their role (a `StaffPrincipal` is one). */
export interface PolicyActor {
  staffId: string;
  role: StaffRole;
}

export interface PolicyProposal {
  id: string;
  baseVersion: number;
  /** `actorRef` of the proposer. */
  proposedBy: string;
  proposedAt: number;
  status: 'pending' | 'approved' | 'rejected';
  /** Unified line diff from the base version's text. */
  diff: string;
}

export interface PolicyServiceDeps {
  store: PolicyStore;
  /** The engine decisions are made with; the service keeps it on the live version. */
  engine: PolicyEngine;
  /** Step-up freshness of the session a change comes with. */
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
  /** Four eyes are two people: the approver must be independent of the requester (identity/staff). */
  independence: Independence;
  /** Every approval is announced to the rest of the approving role. */
  announcements: Pick<Announcements, 'announce'>;
  /** Installed as version 1 on first start; the default set unless a test says otherwise. */
  initialPolicies?: string;
}

type PolicyAction = 'policy_edit' | 'policy_approve' | 'ledger_read';

/** Policy acts are decided on the role alone, straight from the engine (never refused by risk tier). */
const administrative = (role: StaffRole, action: PolicyAction): AccessQuery => ({
  ...roleOnly(action),
  role,
  riskTier: 'normal',
});

export function createPolicyService(deps: PolicyServiceDeps) {
  const { store, engine, ledger, clock } = deps;

  const refusals: Record<PolicyAction, string> = {
    policy_edit: 'Not allowed to propose policies',
    policy_approve: 'Not allowed to decide on policies',
    ledger_read: 'Not allowed to read the policy set',
  };

  /** For a change: a fresh step-up (STEP_UP_REQUIRED), then `authorise`. */
  function authoriseChange(p: StaffPrincipal, action: PolicyAction): string {
    deps.sessions.requireStepUp(p.session);
    return authorise(p, action);
  }

  /** The actor's ref if the engine lets their role do any one of `actions`; FORBIDDEN otherwise. */
  function authorise(by: PolicyActor, ...actions: [PolicyAction, ...PolicyAction[]]): string {
    if (typeof by?.staffId !== 'string' || by.staffId === '') {
      throw new CustosError('FORBIDDEN', 'A staff member must be named');
    }
    if (!actions.some((action) => engine.decide(administrative(by.role, action)).allow)) {
      throw new CustosError('FORBIDDEN', refusals[actions[0]]);
    }
    return actorRef({ type: 'staff', id: by.staffId });
  }

  /** Write-ahead: the entry is durable before the act; if the act then fails, that is recorded too. */
  async function recorded<T extends EntryType, R>(entry: EntryInput<T>, act: () => Promise<R>): Promise<R> {
    const ref = await ledger.append(entry);
    try {
      return await act();
    } catch (error) {
      const code = error instanceof CustosError ? error.code : 'INTERNAL';
      await ledger.append({ type: 'act.failed', actor: entry.actor, data: { ref, code } });
      throw error;
    }
  }

  async function liveRow() {
    const live = await store.live();
    if (!live) throw new CustosError('INTERNAL', 'No policy set is installed');
    return live;
  }

  async function pendingProposal(id: string) {
    const proposal = isUuid(id) ? await store.proposal(id) : undefined;
    if (!proposal) throw new CustosError('NOT_FOUND', 'No such policy proposal');
    if (proposal.status !== 'pending') {
      throw new CustosError('VERSION_CONFLICT', `The proposal was already ${proposal.status}`);
    }
    return proposal;
  }

  /** The set must leave some role able both to propose and to approve, or no one could ever change it again. */
  function assertStillEditable(text: string): void {
    const candidate = createPolicyEngine({ policies: text, cacheLimit: 16 });
    const editable = staffRoles.some(
      (role) =>
        candidate.decide(administrative(role, 'policy_edit')).allow &&
        candidate.decide(administrative(role, 'policy_approve')).allow,
    );
    if (!editable) {
      throw new CustosError(
        'POLICY_INVALID',
        'The policy set would leave no role able to propose and approve policy changes',
        { details: [{ path: 'policies', problem: 'no role keeps policy_edit and policy_approve' }] },
      );
    }
  }

  const service = {
    /** Install the initial set as version 1 if none is stored, then put the stored live version in force. */
    async load(): Promise<void> {
      if ((await store.liveVersion()) === undefined) {
        const text = deps.initialPolicies ?? defaultPolicies;
        validatePolicies(text);
        await store.installInitial(text, clock.now());
      }
      const live = await liveRow();
      engine.replace({ policies: live.text, version: live.version });
    },

    /**
     * Put a newer stored version in force if there is one (another node approved it); a cheap version
     * check otherwise. True if the set in force changed. Call it periodically on every API node.
     */
    async refresh(): Promise<boolean> {
      const version = await store.liveVersion();
      if (version === undefined || version === engine.version) return false;
      const live = await liveRow();
      engine.replace({ policies: live.text, version: live.version });
      return true;
    },

    /**
     * The set in force: its version and text. Readable by whoever may propose or decide on policies, and by
     * whoever may read the ledger (every change is there, diff and all, so this shows them nothing new).
     */
    async live(by: PolicyActor): Promise<{ version: number; text: string }> {
      authorise(by, 'policy_edit', 'policy_approve', 'ledger_read');
      const live = await liveRow();
      return { version: live.version, text: live.text };
    },

    /** Propose a new policy text against the live version; it is validated and stored pending approval. */
    async propose(
      p: StaffPrincipal,
      text: string,
    ): Promise<PolicyProposal & { warnings: readonly string[] }> {
      const actor = authoriseChange(p, 'policy_edit');
      if (typeof text !== 'string') throw validationFailed([{ path: 'policies', problem: 'must be text' }]);
      const { warnings } = validatePolicies(text);
      assertStillEditable(text);
      const live = await liveRow();
      if (live.text === text) {
        throw validationFailed([{ path: 'policies', problem: 'identical to the live policy set' }]);
      }
      const at = clock.now();
      const id = uuidv7(at);
      const diff = unifiedLineDiff(live.text, text, `policies v${live.version}`, `proposal ${id}`);
      await recorded(
        { type: 'policy.proposed', actor, data: { proposalId: id, baseVersion: live.version, diff } },
        () =>
          store.insertProposal({
            id,
            baseVersion: live.version,
            text,
            proposedBy: actor,
            proposedAt: at,
            status: 'pending',
            decidedBy: null,
            decidedAt: null,
            version: null,
          }),
      );
      return {
        id,
        baseVersion: live.version,
        proposedBy: actor,
        proposedAt: at,
        status: 'pending',
        diff,
        warnings,
      };
    },

    /** A second admin approves a pending proposal: it becomes the next version and is in force here at once. */
    async approve(p: StaffPrincipal, proposalId: string): Promise<{ version: number }> {
      const actor = authoriseChange(p, 'policy_approve');
      const proposal = await pendingProposal(proposalId);
      if (proposal.proposedBy === actor) {
        throw new CustosError(
          'FORBIDDEN',
          'A policy change needs the approval of an admin other than its proposer',
        );
      }
      const proposer = staffIdOfRef(proposal.proposedBy) ?? null;
      await deps.independence.assertIndependent(p.staffId, [proposer]);
      const live = await liveRow();
      if (live.version !== proposal.baseVersion) {
        throw new CustosError(
          'VERSION_CONFLICT',
          `The live policy set is now version ${live.version}; the proposal was written against ${proposal.baseVersion}`,
        );
      }
      // The schema may have changed since it was proposed (a new release): validate again before it is in force.
      validatePolicies(proposal.text);
      const version = live.version + 1;
      const diff = unifiedLineDiff(
        live.text,
        proposal.text,
        `policies v${live.version}`,
        `policies v${version}`,
      );
      await recorded(
        {
          type: 'policy.approved',
          actor,
          data: {
            proposalId,
            fromVersion: live.version,
            toVersion: version,
            proposedBy: proposal.proposedBy,
            diff,
          },
        },
        async () => {
          const result = await store.activate({ proposalId, approvedBy: actor, at: clock.now() });
          if (result !== 'activated') {
            throw new CustosError(
              'VERSION_CONFLICT',
              'The proposal or the live policy set changed during approval',
            );
          }
          engine.replace({ policies: proposal.text, version });
          await deps.announcements.announce({
            role: p.role,
            kind: 'policy.approved',
            subjectId: proposalId,
            requestedBy: proposer,
            decidedBy: p.staffId,
          });
        },
      );
      return { version };
    },

    /** Reject a pending proposal (its proposer may withdraw it this way). */
    async reject(p: StaffPrincipal, proposalId: string): Promise<void> {
      const actor = authoriseChange(p, 'policy_approve');
      const proposal = await pendingProposal(proposalId);
      const base = await store.version(proposal.baseVersion);
      const diff = unifiedLineDiff(
        base?.text ?? '',
        proposal.text,
        `policies v${proposal.baseVersion}`,
        `proposal ${proposalId}`,
      );
      await recorded(
        {
          type: 'policy.rejected',
          actor,
          data: { proposalId, baseVersion: proposal.baseVersion, proposedBy: proposal.proposedBy, diff },
        },
        async () => {
          if (!(await store.reject({ proposalId, rejectedBy: actor, at: clock.now() }))) {
            throw new CustosError('VERSION_CONFLICT', 'The proposal was decided meanwhile');
          }
        },
      );
    },

    /** Pending proposals, oldest first, each with its diff from the version it was written against. */
    async pending(by: PolicyActor): Promise<PolicyProposal[]> {
      authorise(by, 'policy_edit');
      const proposals = await store.pendingProposals();
      const bases = new Map<number, string>();
      const out: PolicyProposal[] = [];
      for (const proposal of proposals) {
        if (!bases.has(proposal.baseVersion)) {
          bases.set(proposal.baseVersion, (await store.version(proposal.baseVersion))?.text ?? '');
        }
        out.push({
          id: proposal.id,
          baseVersion: proposal.baseVersion,
          proposedBy: proposal.proposedBy,
          proposedAt: proposal.proposedAt,
          status: 'pending',
          diff: unifiedLineDiff(
            bases.get(proposal.baseVersion) as string,
            proposal.text,
            `policies v${proposal.baseVersion}`,
            `proposal ${proposal.id}`,
          ),
        });
      }
      return out;
    },
  };
  return service;
}

export type PolicyService = ReturnType<typeof createPolicyService>;
