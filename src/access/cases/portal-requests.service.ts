/**
 * Portal requests as evidence: a customer signed in to the privacy portal asks to be contacted about a topic
 * (optionally at one site); staff of that site see the open requests, masked (customer id, topic, time), and
 * take one by opening a case with it. A case bound to its customer's own request has `portal_request`
 * evidence: the customer started it.
 *
 * Invariants: only the customer creates a request, for themselves (the customer is the session's, never an
 * input); a request binds to at most one case, of its own customer, within `PORTAL_REQUEST_TTL_MS` of being
 * made (the bind is one conditional update, so two clerks racing for it cannot both win); creating and
 * taking are ledgered ahead; the customer's note is sealed under their key and never listed.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import { type AccessGate, roleOnly } from '../access-gate.ts';
import type { CaseRecord } from './cases.types.ts';
import type { PortalRequest, PortalRequestStore, PortalRequestTopic } from './portal-requests.store.ts';

export const PORTAL_REQUEST_TTL_MS = 7 * 24 * 3600_000;
/** Open requests one customer may have at once: the portal is no way to flood the staff queue. */
export const MAX_OPEN_REQUESTS_PER_CUSTOMER = 5;
const LIST_LIMIT = 100;

/** What staff see of an open request: no personal data. */
export interface PortalRequestView {
  id: string;
  customerId: string;
  topic: PortalRequestTopic;
  site: string | null;
  createdAt: string;
  expiresAt: string;
}

export function createPortalRequests(deps: {
  store: PortalRequestStore;
  vault: Pick<VaultService, 'sealNote'>;
  gate: Pick<AccessGate, 'require'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;

  return {
    /** The signed-in customer asks to be contacted; `site` addresses one site's staff (else any). */
    async create(
      actor: Actor,
      input: { topic: PortalRequestTopic; note?: string; site?: string },
    ): Promise<{ requestId: string }> {
      const customerId = customerIdOf(actor);
      const now = clock.now();
      if ((await store.openCountOf(customerId, now)) >= MAX_OPEN_REQUESTS_PER_CUSTOMER) {
        throw new CustosError(
          'RATE_LIMITED',
          `At most ${MAX_OPEN_REQUESTS_PER_CUSTOMER} open requests: staff will contact you about those first`,
        );
      }
      const requestId = uuidv7(now);
      const noteSealed =
        input.note === undefined || input.note === ''
          ? null
          : (await deps.vault.sealNote(customerId, `portal-request/${requestId}`, input.note)).toString(
              'base64',
            );
      await ledger.record(
        {
          type: 'portal_request.created',
          actor: actorRef(actor),
          subject: customerId,
          data: { requestId, customerId },
        },
        () =>
          store.insert({
            id: requestId,
            customerId,
            topic: input.topic,
            site: input.site ?? null,
            noteSealed,
            createdAt: now,
            expiresAt: now + PORTAL_REQUEST_TTL_MS,
            caseId: null,
            takenBy: null,
            takenAt: null,
          }),
      );
      return { requestId };
    },

    /** Open requests addressed to `p`'s site or to any site, oldest first; for staff who may open cases. */
    async openFor(p: StaffPrincipal): Promise<PortalRequestView[]> {
      await deps.gate.require(
        p,
        { ...roleOnly('case_open'), purpose: 'repair', channel: 'portal_request' },
        {},
        'ACCESS_DENIED',
      );
      const now = clock.now();
      return (await store.open(p.site, now, LIST_LIMIT)).map((r) => ({
        id: r.id,
        customerId: r.customerId,
        topic: r.topic,
        site: r.site,
        createdAt: new Date(r.createdAt).toISOString(),
        expiresAt: new Date(r.expiresAt).toISOString(),
      }));
    },

    /**
     * Whether `p` may take this request into a case for `customerId`: it exists and is addressed to `p`'s
     * site (else PORTAL_REQUEST_NOT_FOUND), is the customer's own (REQUEST_CUSTOMER_MISMATCH), not taken
     * (REQUEST_ALREADY_TAKEN) and not expired (REQUEST_EXPIRED). Stores nothing; `take` binds.
     */
    async checkTake(p: StaffPrincipal, requestId: string, customerId: string): Promise<PortalRequest> {
      const request = isUuid(requestId) ? await store.byId(requestId) : undefined;
      if (!request || (request.site !== null && request.site !== p.site)) {
        throw new CustosError('PORTAL_REQUEST_NOT_FOUND', 'No such request for your site');
      }
      if (request.customerId !== customerId) {
        throw new CustosError('REQUEST_CUSTOMER_MISMATCH', "This request is another customer's");
      }
      if (request.caseId !== null) {
        throw new CustosError('REQUEST_ALREADY_TAKEN', 'This request is already taken into a case');
      }
      if (clock.now() >= request.expiresAt) {
        throw new CustosError('REQUEST_EXPIRED', 'This request has expired: the customer can make a new one');
      }
      return request;
    },

    /** Bind a checked request to the case about to be stored; the first of two racing clerks wins. */
    async take(p: StaffPrincipal, request: PortalRequest, caseId: string): Promise<void> {
      const now = clock.now();
      await ledger.record(
        {
          type: 'portal_request.taken',
          actor: actorRef(p.actor),
          subject: request.customerId,
          data: { requestId: request.id, customerId: request.customerId, caseId },
        },
        async () => {
          if (!(await store.take(request.id, caseId, p.staffId, now))) {
            throw new CustosError('REQUEST_ALREADY_TAKEN', 'This request is already taken into a case');
          }
        },
      );
    },

    /**
     * Was this case opened from its own customer's portal request? The customer is checked again here, not
     * only when the request was bound: a row pointed at another customer's case explains nothing.
     */
    explains(c: Pick<CaseRecord, 'id' | 'customerId'>): Promise<boolean> {
      return store.boundTo(c.id, c.customerId);
    },
  };
}

export type PortalRequests = ReturnType<typeof createPortalRequests>;
