/**
 * Cases: the only way staff reach a customer. A case is opened for one customer with a purpose and a
 * channel, assigned to staff, and lives until it is closed or expires (72 h unless asked shorter). It may
 * carry proof that the customer is present: a one-time code the customer reads out from their portal or
 * receives by SMS or email.
 *
 * Invariants: opening, assigning, closing and every presence check are ledgered; a wrong presence code is
 * counted on the case and five end its chances, and counted against the staff member's day across cases
 * (the codes and that limit: presence-codes.ts).
 */
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import { type AccessGate, roleOnly } from '../access-gate.ts';
import type { CaseStore } from './cases.store.ts';
import type { PresenceCodes } from './presence-codes.ts';
import type { PortalRequests } from './portal-requests.service.ts';
import type { CaseRecord } from './cases.types.ts';
import {
  type CaseContext,
  caseKind,
  caseRelation,
  caseView,
  type CaseView,
  relationCode,
  validResolution,
} from './case-state.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';

const HOUR = 3600_000;
export const DEFAULT_CASE_TTL_MS = 72 * HOUR;
export const MAX_CASE_TTL_MS = 14 * 24 * HOUR;
const MAX_PRESENCE_FAILURES = 5;
const MAX_ASSIGNEES = 10;

export interface OpenCaseInput {
  customerId: string;
  purpose: string;
  channel: string;
  assignees?: string[];
  presenceCode?: string;
  expiresInHours?: number;
  /** The customer's portal request this case takes up (portal-requests.service.ts): evidence they asked. */
  portalRequestId?: string;
}

export function createCases(deps: {
  store: CaseStore;
  staff: Pick<StaffDirectory, 'activeMember'>;
  vault: Pick<VaultService, 'exists'>;
  presence: Pick<PresenceCodes, 'check'>;
  portalRequests: Pick<PortalRequests, 'checkTake' | 'take'>;
  gate: AccessGate;
  ledger: Pick<Ledger, 'append' | 'record' | 'distinctSubjectsSince'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}) {
  const { store, gate, ledger, bus, clock } = deps;

  async function activeStaff(staffId: string): Promise<void> {
    if (!(await deps.staff.activeMember(staffId)))
      throw new CustosError('STAFF_NOT_FOUND', 'No such active staff member');
  }

  /** Did any assignee reveal the case's customer since it opened? (The ledger counts, as for quotas.) */
  async function revealedThrough(record: CaseRecord): Promise<boolean> {
    for (const staffId of record.assignees) {
      const [since] = await ledger.distinctSubjectsSince(
        `staff:${staffId}`,
        'customer.revealed',
        [record.openedAt],
        record.customerId,
      );
      if (since?.includes) return true;
    }
    return false;
  }

  /** The case as `p` stands to it; CASE_NOT_FOUND when there is none (also for malformed ids). */
  async function contextFor(p: StaffPrincipal, caseId: string): Promise<CaseContext> {
    const record = isUuid(caseId) ? await store.byId(caseId) : undefined;
    if (!record) throw new CustosError('CASE_NOT_FOUND', 'No such case');
    return {
      record,
      customerId: record.customerId,
      relation: caseRelation(record, p.staffId, clock.now()),
      purpose: record.purpose,
      channel: record.channel,
      customerPresent: record.customerPresentAt !== null,
      breakGlass: record.breakGlass,
    };
  }

  /** For acts on the case itself (assign, close, presence): assigned and open, or refused in its words. */
  async function workingCase(p: StaffPrincipal, caseId: string, action: string): Promise<CaseContext> {
    const c = await contextFor(p, caseId);
    if (c.relation !== 'assigned_open') {
      throw await gate.refuse(p, action, relationCode[c.relation], { caseId, customerId: c.customerId });
    }
    return c;
  }

  /** Check a new case (kind, lifetime, assignees, presence code, policy) and build it; stores nothing. */
  async function decideCase(p: StaffPrincipal, input: OpenCaseInput): Promise<CaseRecord> {
    const { purpose, channel } = caseKind(input);
    const hours = input.expiresInHours ?? DEFAULT_CASE_TTL_MS / HOUR;
    if (!Number.isFinite(hours) || hours <= 0 || hours * HOUR > MAX_CASE_TTL_MS) {
      throw validationFailed([
        { path: 'expiresInHours', problem: `must be more than 0 and at most ${MAX_CASE_TTL_MS / HOUR}` },
      ]);
    }
    const assignees = [...new Set([p.staffId, ...(input.assignees ?? [])])];
    if (assignees.length > MAX_ASSIGNEES) {
      throw validationFailed([{ path: 'assignees', problem: `at most ${MAX_ASSIGNEES - 1} besides you` }]);
    }
    for (const staffId of assignees) await activeStaff(staffId);
    const now = clock.now();
    const record: CaseRecord = {
      id: uuidv7(now),
      customerId: input.customerId,
      purpose,
      channel,
      status: 'open',
      breakGlass: false,
      reasonSealed: null,
      openedBy: p.staffId,
      openedAt: now,
      expiresAt: now + Math.round(hours * HOUR),
      closedAt: null,
      closedBy: null,
      customerPresentAt: null,
      presenceFailures: 0,
      reviewDueAt: null,
      reviewedAt: null,
      reviewedBy: null,
      reviewOutcome: null,
      reviewAlertedAt: null,
      assignees,
    };
    if (input.presenceCode !== undefined) {
      if (!(await deps.presence.check(p, record, input.presenceCode, 'case_open'))) {
        throw new CustosError(
          'CUSTOMER_PRESENCE_REQUIRED',
          'The customer code is not valid (used, expired or mistyped)',
        );
      }
      record.customerPresentAt = now;
    }
    const customerPresent = record.customerPresentAt !== null;
    const query = { ...roleOnly('case_open'), purpose, channel, customerPresent };
    // Say "needs the customer present" only when presence is what is missing, not the role.
    const presenceWouldDo = !customerPresent && gate.decide(p, { ...query, customerPresent: true }).allow;
    await gate.require(
      p,
      query,
      { customerId: input.customerId },
      presenceWouldDo ? 'CUSTOMER_PRESENCE_REQUIRED' : 'ACCESS_DENIED',
    );
    return record;
  }

  return {
    contextFor,

    /**
     * The case, checked for `view` by the policy: what every act on a case's customer starts with. Refused
     * in the case's own words (not assigned, closed, expired) and ledgered.
     */
    async viewable(p: StaffPrincipal, caseId: string): Promise<CaseContext> {
      const c = await contextFor(p, caseId);
      await gate.require(
        p,
        {
          action: 'view',
          caseRelation: c.relation,
          purpose: c.purpose,
          channel: c.channel,
          customerPresent: c.customerPresent,
          breakGlass: c.breakGlass,
          secondApprover: false,
        },
        { caseId, customerId: c.customerId },
        relationCode[c.relation],
      );
      return c;
    },

    /** Open a case for one customer; the opener is always among its assignees. */
    async openCase(p: StaffPrincipal, input: OpenCaseInput): Promise<CaseView> {
      if (!(await deps.vault.exists(input.customerId))) {
        throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
      }
      const record = await decideCase(p, input);
      if (input.portalRequestId !== undefined) {
        // A request that is not this customer's, taken, expired or not for this site: refused and ledgered
        // (the watcher counts refusals), before anything is bound or stored.
        const request = await deps.portalRequests
          .checkTake(p, input.portalRequestId, input.customerId)
          .catch(async (error: unknown) => {
            if (!(error instanceof CustosError)) throw error;
            throw await gate.refuse(
              p,
              'case_open',
              error.code,
              { customerId: input.customerId },
              [],
              error.message,
            );
          });
        await deps.portalRequests.take(p, request, record.id);
      }
      return this.insertCase(p, record);
    },

    /**
     * Everything `openCase` checks, for a customer about to be registered: the caller creates the customer
     * only if this passes, then stores the case with `insertCase`. No presence code: a customer not yet
     * registered cannot have one.
     */
    async decideNewCustomerCase(
      p: StaffPrincipal,
      input: Omit<OpenCaseInput, 'customerId'>,
      customerId: string,
    ) {
      if (input.presenceCode !== undefined) {
        throw validationFailed([
          { path: 'case.presenceCode', problem: 'a new customer has no presence code yet' },
        ]);
      }
      if (input.portalRequestId !== undefined) {
        throw validationFailed([
          { path: 'case.portalRequestId', problem: 'a new customer has no portal requests yet' },
        ]);
      }
      return decideCase(p, { ...input, customerId });
    },

    /** Store a decided case: ledger first, then the case; tells the watcher. Break-glass uses it too. */
    async insertCase(p: StaffPrincipal, record: CaseRecord): Promise<CaseView> {
      const customerPresent = record.customerPresentAt !== null;
      await ledger.record(
        {
          type: 'case.opened',
          actor: actorRef(p.actor),
          subject: record.customerId,
          data: {
            caseId: record.id,
            customerId: record.customerId,
            purpose: record.purpose,
            channel: record.channel,
            assignees: record.assignees,
            breakGlass: record.breakGlass,
            customerPresent,
          },
        },
        () => store.insertCase(record, p.staffId),
      );
      bus.publish('case.opened', {
        staffId: p.staffId,
        caseId: record.id,
        customerId: record.customerId,
        purpose: record.purpose,
        channel: record.channel,
        breakGlass: record.breakGlass,
        customerPresent,
      });
      return caseView(record, record.openedAt);
    },

    async get(p: StaffPrincipal, caseId: string): Promise<CaseView> {
      const c = await contextFor(p, caseId);
      if (c.relation === 'unassigned')
        throw await gate.refuse(p, 'case_read', 'CASE_NOT_ASSIGNED', { caseId });
      return caseView(c.record, clock.now());
    },

    async openCases(p: StaffPrincipal): Promise<CaseView[]> {
      const now = clock.now();
      return (await store.openFor(p.staffId, now, 100)).map((record) => caseView(record, now));
    },

    async assign(p: StaffPrincipal, caseId: string, staffId: string): Promise<CaseView> {
      const c = await workingCase(p, caseId, 'case_assign');
      if (c.record.breakGlass) throw await gate.refuse(p, 'case_assign', 'ACCESS_DENIED', { caseId });
      if (c.record.assignees.length >= MAX_ASSIGNEES) {
        throw validationFailed([
          { path: 'staffId', problem: `a case has at most ${MAX_ASSIGNEES} assignees` },
        ]);
      }
      await activeStaff(staffId);
      const now = clock.now();
      await ledger.record(
        {
          type: 'case.assigned',
          actor: actorRef(p.actor),
          subject: c.customerId,
          data: { caseId, staffId },
        },
        () => store.addAssignee({ caseId, staffId, assignedBy: p.staffId, assignedAt: now }),
      );
      const { assignees } = c.record;
      return caseView(
        { ...c.record, assignees: assignees.includes(staffId) ? assignees : [...assignees, staffId] },
        now,
      );
    },

    /**
     * Closing a case ends every assignee's access through it. `resolution` says how it ended (absent:
     * `unspecified`); a case with a reveal closed without a resolution is scored by the watcher.
     */
    async close(p: StaffPrincipal, caseId: string, resolutionIn?: unknown): Promise<CaseView> {
      const resolution = validResolution(resolutionIn);
      const c = await workingCase(p, caseId, 'case_close');
      const now = clock.now();
      const revealed = await revealedThrough(c.record);
      await ledger.record(
        {
          type: 'case.closed',
          actor: actorRef(p.actor),
          subject: c.customerId,
          data: { caseId, resolution, revealed },
        },
        async () => {
          if (!(await store.close(caseId, p.staffId, now)))
            throw new CustosError('CASE_CLOSED', 'This case is closed');
        },
      );
      bus.publish('case.closed', { staffId: p.staffId, role: p.role, caseId, resolution, revealed });
      return caseView({ ...c.record, status: 'closed', closedAt: now }, now);
    },

    /**
     * Erasure (privacy): close every open case of the customer with resolution `erased`, each ledgered
     * ahead like any close. No staff decision: the erasure was decided (and authorised) by privacy.
     * Returns how many were closed.
     */
    async closeAllForErasure(by: Actor, customerId: string): Promise<number> {
      let closed = 0;
      for (const caseId of await store.openIdsOfCustomer(customerId)) {
        await ledger.record(
          {
            type: 'case.closed',
            actor: actorRef(by),
            subject: customerId,
            data: { caseId, resolution: 'erased' },
          },
          async () => {
            if (await store.close(caseId, actorRef(by), clock.now())) closed++;
          },
        );
      }
      return closed;
    },

    /** The customer's code, read out at the counter or on the phone, proves they asked for this case. */
    async verifyPresence(p: StaffPrincipal, caseId: string, code: string): Promise<CaseView> {
      const c = await workingCase(p, caseId, 'case_presence');
      if (c.record.customerPresentAt !== null) return caseView(c.record, clock.now());
      if (c.record.presenceFailures >= MAX_PRESENCE_FAILURES) {
        throw new CustosError(
          'RATE_LIMITED',
          'Too many wrong codes on this case: open a new case with the customer',
        );
      }
      if (!(await deps.presence.check(p, c.record, code))) {
        await store.countPresenceFailure(caseId);
        throw new CustosError(
          'CUSTOMER_PRESENCE_REQUIRED',
          'The customer code is not valid (used, expired or mistyped)',
        );
      }
      const now = clock.now();
      await store.markCustomerPresent(caseId, now);
      return caseView({ ...c.record, customerPresentAt: now }, now);
    },
  };
}

export type Cases = ReturnType<typeof createCases>;
