/**
 * People's requests about their data: a customer signed in to the privacy portal (with their second factor)
 * files an access, export, correction, erasure or objection request; it is due by the deadline its
 * jurisdiction gives (deadlines.ts). Staff allowed by the policy (`privacy_request_decide`: security by
 * default) list pending requests — ids, kinds and dates only — and decide: grant (the fulfilment, e.g. an
 * erasure, is a separate act that then marks it fulfilled), fulfil, refuse (with a reason) or extend (with a
 * reason, once, where the law allows). A request past its due time alerts security, once.
 *
 * Invariants: the customer is the session's, never an input, and sees only their own requests; every act is
 * ledgered ahead with ids only — a reason is sealed under the customer's key in the request (the customer
 * reads it; crypto-shredding erases it) and the ledger holds only its SHA-256; a decision is one conditional
 * update, so two deciders racing cannot both win; a request keeps the jurisdiction it was filed under.
 */
import { createHash } from 'node:crypto';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { Jurisdiction } from '../../platform/jurisdiction.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import {
  type DeadlineSettings,
  extendedDeadline,
  type RequestKind,
  requestDeadline,
  requestKinds,
} from './deadlines.ts';
import {
  pendingStatuses,
  type PrivacyRequest,
  type RequestStatus,
  type RequestStore,
} from './requests.store.ts';

/** Requests one customer may have pending at once: the portal is no way to flood the queue. */
export const MAX_PENDING_PER_CUSTOMER = 10;
const LIST_LIMIT = 200;
const OVERDUE_ALERTS_PER_RUN = 100;

export const decisionOutcomes = ['granted', 'fulfilled', 'refused', 'extended'] as const;
export type DecisionOutcome = (typeof decisionOutcomes)[number];

/** What both the customer and staff see of a request: kind, where it stands, when it is due. */
interface RequestViewBase {
  id: string;
  kind: RequestKind;
  status: RequestStatus;
  jurisdiction: Jurisdiction;
  filedAt: string;
  dueAt: string;
  /** The last day (UTC) the request may take. */
  dueDate: string;
}

/** A request as its customer sees it, with the reason given for a refusal or an extension. */
export interface OwnRequestView extends RequestViewBase {
  decidedAt: string | null;
  reason: string | null;
}

/** A pending request as staff see it: ids, kind and dates; no personal data. */
export interface StaffRequestView extends RequestViewBase {
  customerId: string;
  extended: boolean;
  overdue: boolean;
}

/** What raising a security alert needs; watch's alerts implement it (wired by the composition root). */
export type RaiseAlert = (
  by: Actor,
  alert: {
    kind: string;
    severity: 'high';
    staffId: string;
    subject?: string;
    data: Record<string, unknown>;
  },
) => Promise<unknown>;

const iso = (ms: number) => new Date(ms).toISOString();
const dueDateOf = (dueAt: number) => iso(dueAt - 86_400_000).slice(0, 10);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const reasonLabel = (requestId: string) => `privacy-request/${requestId}/reason`;

function reasonOf(input: unknown, outcome: DecisionOutcome): string | undefined {
  const reason = typeof input === 'string' ? input.trim() : '';
  const needed = outcome === 'refused' || outcome === 'extended';
  if (reason === '') {
    if (needed)
      throw new CustosError(
        'REASON_REQUIRED',
        `A request is ${outcome} only with the reason, for the customer`,
      );
    return undefined;
  }
  if (reason.length < 10 || reason.length > 1000)
    throw validationFailed([{ path: 'reason', problem: 'must be 10 to 1000 characters' }]);
  return reason;
}

export function createRequests(deps: {
  store: RequestStore;
  vault: Pick<VaultService, 'sealNote' | 'openNote' | 'exists'>;
  ledger: Pick<Ledger, 'record'>;
  /** Access's decision on a staff act (the policy's `privacy_request_decide`); throws, ledgered, when not. */
  authorize: (p: StaffPrincipal, action: 'privacy_request_decide') => Promise<void>;
  raiseAlert: RaiseAlert;
  sessions: Pick<Sessions, 'requireStepUp'>;
  clock: Clock;
  jurisdiction: Jurisdiction;
  deadlines: DeadlineSettings;
}) {
  const { store, ledger, clock } = deps;

  const baseView = (r: PrivacyRequest): RequestViewBase => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    jurisdiction: r.jurisdiction,
    filedAt: iso(r.filedAt),
    dueAt: iso(r.dueAt),
    dueDate: dueDateOf(r.dueAt),
  });

  async function ownView(r: PrivacyRequest): Promise<OwnRequestView> {
    const reason =
      r.reasonSealed === null
        ? null
        : await deps.vault.openNote(r.customerId, reasonLabel(r.id), Buffer.from(r.reasonSealed, 'base64'));
    return { ...baseView(r), decidedAt: r.decidedAt === null ? null : iso(r.decidedAt), reason };
  }

  function staffView(r: PrivacyRequest, now: number): StaffRequestView {
    return {
      ...baseView(r),
      customerId: r.customerId,
      extended: r.extendedAt !== null,
      overdue: now >= r.dueAt,
    };
  }

  return {
    /** The signed-in customer files a request about their own data. */
    async file(actor: Actor, input: { kind: string }): Promise<OwnRequestView> {
      const customerId = customerIdOf(actor);
      if (!(requestKinds as readonly string[]).includes(input.kind))
        throw validationFailed([{ path: 'kind', problem: `must be one of ${requestKinds.join(', ')}` }]);
      const tooMany = () =>
        new CustosError(
          'RATE_LIMITED',
          `At most ${MAX_PENDING_PER_CUSTOMER} requests wait at once: they are answered first`,
        );
      if ((await store.pendingCountOf(customerId)) >= MAX_PENDING_PER_CUSTOMER) throw tooMany();
      const now = clock.now();
      const id = uuidv7(now);
      const jurisdiction = deps.jurisdiction;
      const { dueAt } = requestDeadline(jurisdiction, now, deps.deadlines);
      const request: PrivacyRequest = {
        id,
        customerId,
        kind: input.kind as RequestKind,
        jurisdiction,
        status: 'open',
        filedAt: now,
        dueAt,
        extendedAt: null,
        decidedAt: null,
        decidedBy: null,
        reasonSealed: null,
        overdueAlertedAt: null,
      };
      await ledger.record(
        {
          type: 'privacy_request.filed',
          actor: actorRef(actor),
          subject: customerId,
          data: { requestId: id, customerId, kind: request.kind, jurisdiction, dueAt },
        },
        // Counted again with the insert: parallel filings all passed the count above.
        async () => {
          if (!(await store.insertUnder(request, MAX_PENDING_PER_CUSTOMER))) throw tooMany();
        },
      );
      return ownView(request);
    },

    /** The signed-in customer's own requests, newest first. */
    async mine(actor: Actor): Promise<OwnRequestView[]> {
      const customerId = customerIdOf(actor);
      return Promise.all((await store.ofCustomer(customerId, LIST_LIMIT)).map(ownView));
    },

    /** Requests waiting for an answer, soonest due first, for staff the policy allows to decide them. */
    async pending(p: StaffPrincipal): Promise<StaffRequestView[]> {
      await deps.authorize(p, 'privacy_request_decide');
      const now = clock.now();
      return (await store.pending(LIST_LIMIT)).map((r) => staffView(r, now));
    },

    /**
     * Decide a pending request (fresh step-up). `refused` and `extended` need a reason (REASON_REQUIRED); `extended` moves
     * the due time to the jurisdiction's extended deadline, once, before the first has passed
     * (EXTENSION_NOT_ALLOWED otherwise, and always under PIPL); `granted` accepts it and leaves the
     * fulfilment (an erasure, an export) to its own act, which then marks it `fulfilled`; an erasure request
     * is never `fulfilled` by hand while the customer's data is there (ERASURE_NOT_DONE).
     */
    async decide(
      p: StaffPrincipal,
      requestId: string,
      input: { outcome: string; reason?: unknown },
    ): Promise<StaffRequestView> {
      await deps.authorize(p, 'privacy_request_decide');
      // A decision on someone's rights is a person's, with a fresh second factor.
      deps.sessions.requireStepUp(p.session);
      const outcome = input.outcome as DecisionOutcome;
      if (!(decisionOutcomes as readonly string[]).includes(outcome))
        throw validationFailed([
          { path: 'outcome', problem: `must be one of ${decisionOutcomes.join(', ')}` },
        ]);
      const reason = reasonOf(input.reason, outcome);
      const request = isUuid(requestId) ? await store.byId(requestId) : undefined;
      if (!request) throw new CustosError('PRIVACY_REQUEST_NOT_FOUND', 'No such request');
      const pending = pendingStatuses as readonly RequestStatus[];
      if (!pending.includes(request.status) || (outcome === 'granted' && request.status === 'granted'))
        throw new CustosError('PRIVACY_REQUEST_DECIDED', `This request is ${request.status} already`);
      // Only the erasure itself fulfils an erasure request (closeForErasure): marking it done by hand while the
      // data is still there would tell the customer it is gone and silence the overdue alert.
      if (
        outcome === 'fulfilled' &&
        request.kind === 'erasure' &&
        (await deps.vault.exists(request.customerId))
      )
        throw new CustosError(
          'ERASURE_NOT_DONE',
          "This customer's data is still there: erase it (POST /v1/customers/:customerId/erasure), which fulfils the request",
        );
      const now = clock.now();
      let dueAt: number | undefined;
      if (outcome === 'extended') {
        const extended = extendedDeadline(request.jurisdiction, request.filedAt);
        if (!extended)
          throw new CustosError('EXTENSION_NOT_ALLOWED', `${request.jurisdiction} allows no extension`);
        if (request.extendedAt !== null)
          throw new CustosError('EXTENSION_NOT_ALLOWED', 'This request was extended already');
        if (now >= request.dueAt)
          throw new CustosError(
            'EXTENSION_NOT_ALLOWED',
            'An extension must be decided before the request is due',
          );
        dueAt = extended.dueAt;
      }
      const reasonSealed =
        reason === undefined
          ? request.reasonSealed
          : (await deps.vault.sealNote(request.customerId, reasonLabel(request.id), reason)).toString(
              'base64',
            );
      // An extended request keeps waiting for its answer; a granted one waits for its fulfilment.
      const from =
        outcome === 'fulfilled' || outcome === 'refused' ? pending : pending.filter((s) => s !== 'granted');
      await ledger.record(
        {
          type: 'privacy_request.decided',
          actor: actorRef(p.actor),
          subject: request.customerId,
          data: {
            requestId: request.id,
            customerId: request.customerId,
            outcome,
            ...(dueAt === undefined ? {} : { dueAt }),
            ...(reason === undefined ? {} : { reasonSha256: sha256(reason) }),
          },
        },
        async () => {
          const decided = await store.decide(request.id, from, {
            status: outcome,
            decidedAt: now,
            decidedBy: p.staffId,
            reasonSealed,
            ...(dueAt === undefined ? {} : { dueAt, extendedAt: now }),
          });
          if (!decided)
            throw new CustosError('PRIVACY_REQUEST_DECIDED', 'This request was decided meanwhile');
        },
      );
      const after = (await store.byId(request.id)) as PrivacyRequest;
      return staffView(after, now);
    },

    /**
     * The customer was erased: their pending erasure requests are fulfilled and every other pending request
     * withdrawn (nothing is left to answer it with), so none falls overdue. Decided by the system, each
     * ledgered. Returns how many were closed.
     */
    async closeForErasure(customerId: string): Promise<number> {
      const pending = pendingStatuses as readonly RequestStatus[];
      const open = (await store.ofCustomer(customerId, 1000)).filter((r) => pending.includes(r.status));
      for (const request of open) {
        const outcome = request.kind === 'erasure' ? 'fulfilled' : 'withdrawn';
        await ledger.record(
          {
            type: 'privacy_request.decided',
            actor: actorRef(systemActor),
            subject: customerId,
            data: { requestId: request.id, customerId, outcome },
          },
          () =>
            store.decide(request.id, pendingStatuses, {
              status: outcome,
              decidedAt: clock.now(),
              decidedBy: 'system',
              reasonSealed: request.reasonSealed,
            }),
        );
      }
      return open.length;
    },

    /**
     * Alert security to each pending request past its due time, once per request (claimed first, so two
     * nodes never both alert; a claim whose alert fails is given back). The alert names no staff member —
     * the organisation is late, not a person — and the customer by id only.
     */
    async raiseOverdueAlerts(): Promise<number> {
      let raised = 0;
      const now = clock.now();
      for (const overdue of await store.overdueUnalerted(now, OVERDUE_ALERTS_PER_RUN)) {
        if (!(await store.claimOverdueAlert(overdue.id, now))) continue;
        try {
          await deps.raiseAlert(systemActor, {
            kind: 'privacy_request_overdue',
            severity: 'high',
            staffId: systemActor.id,
            subject: overdue.customerId,
            data: {
              requestId: overdue.id,
              kind: overdue.kind,
              jurisdiction: overdue.jurisdiction,
              dueAt: iso(overdue.dueAt),
            },
          });
          raised++;
        } catch (error) {
          await store.releaseOverdueAlert(overdue.id);
          throw error;
        }
      }
      return raised;
    },
  };
}

export type Requests = ReturnType<typeof createRequests>;
