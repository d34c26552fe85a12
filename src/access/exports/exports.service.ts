/**
 * Exports: the one outbound gateway for many records at once. A request names its purpose and what it
 * wants; a second person of the security role approves or rejects it (four eyes); only then can the
 * requester run it, once. Record exports are capped and leave out every customer whose consent does not
 * admit the purpose; marketing gets only differentially private aggregates (noisy counts, groups under the
 * release threshold suppressed, a budget per requester), never an identifier.
 *
 * Record exports are capped per requester and per approver in distinct customers a day and a week
 * (export-caps.ts). A large one (more customers than `largeExport.threshold`) needs a quorum of security
 * members and then a waiting period announced to all of security (a security alert), during which any of
 * them may still reject it; it cannot run before (export-decisions.ts).
 *
 * Invariants: an export runs only after approval by someone other than the requester; each customer's
 * record leaves only after its own `customer.exported` entry is durable (so their access history shows
 * it); an approved export runs at most once, and one that fails part-way ends `failed` (ledgered), never
 * stuck in `running` and never run again.
 */
import type { Announcements } from '../../identity/staff/announcements.ts';
import type { Independence } from '../../identity/staff/independence.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import { type AccessGate, roleOnly } from '../access-gate.ts';
import type { Consents } from '../../privacy/consents.service.ts';
import type { ExportStore } from './exports.store.ts';
import type { AggregateSpec, ExportRecord, RecordSpec } from './exports.types.ts';
import {
  aggregateCounts,
  type AggregateDimension,
  aggregateDimensions,
  MIN_K,
  validDimensions,
} from './k-anonymity.ts';
import { type PrivateAggregate, releasePrivately } from './differential-privacy.ts';
import type { PrivacyBudget } from './privacy-budget.ts';
import type { ExportCaps } from './export-caps.ts';
import type { Alerts } from '../../watch/alerts.service.ts';
import { createExportDecisions, type ExportView, view } from './export-decisions.ts';

export type { ExportView };
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { fieldClass, validFields } from '../reveal/reveal-request.ts';

/** At most this many customers in one record export. */
export const EXPORT_CAP = 1000;
/** Aggregates look at no more than this many consenting customers at once. */
const AGGREGATE_POPULATION_CAP = 1_000_000;
/**
 * What a record export may be for. `marketing`, `third_party_sharing` and `sale` need the customer's consent
 * to that purpose (privacy/consents: off until granted, read when the export runs, so a withdrawal is in force
 * at once); every purpose but `legal_obligation` leaves out a customer who refused sharing or sale.
 */
export const recordExportPurposes = [
  'service_notice',
  'legal_obligation',
  'marketing',
  'third_party_sharing',
  'sale',
] as const;

export type ExportResult =
  | {
      kind: 'records';
      exportId: string;
      records: Array<{ customerId: string; fields: Record<string, unknown> }>;
      excluded: number;
    }
  | ({
      kind: 'aggregate';
      exportId: string;
      dimensions: AggregateDimension[];
      /** ε the requester has left in the budget window after this one. */
      budgetRemaining: number;
    } & PrivateAggregate);

export function createExports(deps: {
  store: ExportStore;
  vault: Pick<VaultService, 'unsealFields'>;
  consents: Pick<Consents, 'admissible' | 'grantedTo'>;
  /** Marketing aggregates' differential-privacy budget per requester. */
  budget: PrivacyBudget;
  /** Distinct customers per requester and per approver, a day and a week. */
  caps: ExportCaps;
  /** A record export of more than `threshold` customers needs `quorum` approvers and waits `waitMs`. */
  largeExport: { threshold: number; quorum: number; waitMs: number };
  /** Large exports are announced to all of security. */
  alerts: Pick<Alerts, 'raise'>;
  gate: AccessGate;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
  /** Four eyes are two people: the approver must be independent of the requester (identity/staff). */
  independence: Independence;
  /** Every approval is announced to the rest of the approving role. */
  announcements: Pick<Announcements, 'announce'>;
}) {
  const { store, gate, ledger, clock } = deps;

  /** Refuse (ledgered, for the watcher) an aggregate that does not fit the requester's budget. */
  async function requireBudget(p: StaffPrincipal): Promise<void> {
    try {
      await deps.budget.requireRoom(p.staffId);
    } catch (error) {
      if (!(error instanceof CustosError) || error.code !== 'PRIVACY_BUDGET_EXHAUSTED') throw error;
      throw await gate.refuse(p, 'aggregate', error.code, {}, [], error.message);
    }
  }

  /** The gate's word on `p` exporting these fields, one question per field's class. */
  async function requireRecordExport(p: StaffPrincipal, fields: string[]): Promise<void> {
    for (const field of validFields(fields)) {
      await gate.require(p, { ...roleOnly('export_request'), fieldClass: fieldClass(field) }, { fields });
    }
  }

  const { isLarge, quorumOf, viewOf, announce, approve, reject } = createExportDecisions({
    store,
    caps: deps.caps,
    alerts: deps.alerts,
    largeExport: deps.largeExport,
    ledger,
    clock,
  });

  async function load(id: string): Promise<ExportRecord> {
    const request = isUuid(id) ? await store.byId(id) : undefined;
    if (!request) throw new CustosError('EXPORT_NOT_FOUND', 'No such export');
    return request;
  }

  async function runRecords(
    p: StaffPrincipal,
    request: ExportRecord,
    spec: RecordSpec,
  ): Promise<ExportResult> {
    const admitted = await deps.consents.admissible(spec.customerIds, request.purpose);
    const included = spec.customerIds.filter((id) => admitted.has(id));
    const by = actorRef(p.actor);
    // Every customer's entry is durable before any record is opened (appended together: one group commit).
    await Promise.all(
      included.map((customerId) =>
        ledger.append({
          type: 'customer.exported',
          actor: by,
          subject: customerId,
          data: { customerId, exportId: request.id, fields: spec.fields },
        }),
      ),
    );
    const records = [];
    for (const customerId of included) {
      const fields = await deps.vault
        .unsealFields(customerId, spec.fields as never)
        .catch((error: unknown) => {
          if (error instanceof CustosError && error.code === 'CUSTOMER_NOT_FOUND') return null;
          throw error;
        });
      if (fields) records.push({ customerId, fields });
    }
    return {
      kind: 'records',
      exportId: request.id,
      records,
      excluded: spec.customerIds.length - records.length,
    };
  }

  /** Counts over the consenting population, noised and thresholded, charged to the requester's budget. */
  async function runAggregate(request: ExportRecord, spec: AggregateSpec): Promise<ExportResult> {
    const { result, remaining } = await deps.budget.spend(
      request.requestedBy,
      request.id,
      spec.dimensions,
      async () => {
        const population = await deps.consents.grantedTo('marketing', AGGREGATE_POPULATION_CAP);
        const fields = [...new Set(spec.dimensions.map((d) => aggregateDimensions[d].field))];
        const people = [];
        for (const customerId of population) {
          const opened = await deps.vault.unsealFields(customerId, fields).catch(() => null);
          if (opened) people.push(opened as Record<string, string | null>);
        }
        return releasePrivately(aggregateCounts(people, spec.dimensions), {
          k: spec.k,
          epsilon: deps.budget.epsilon,
        });
      },
    );
    return {
      kind: 'aggregate',
      exportId: request.id,
      dimensions: spec.dimensions,
      budgetRemaining: remaining,
      ...result,
    };
  }

  /** The work of a run, from `running` to `completed`. */
  async function complete(
    p: StaffPrincipal,
    request: ExportRecord,
    approvedBy: string,
  ): Promise<ExportResult> {
    const id = request.id;
    const spec = request.spec as RecordSpec & AggregateSpec;
    const result =
      request.kind === 'records' ? await runRecords(p, request, spec) : await runAggregate(request, spec);
    const records = result.kind === 'records' ? result.records.length : result.groups.length;
    await ledger.append({
      type: 'export.completed',
      actor: actorRef(p.actor),
      data: {
        exportId: id,
        records,
        excluded: result.kind === 'records' ? result.excluded : 0,
        ...(result.kind === 'aggregate'
          ? {
              suppressed: result.suppressedGroups,
              epsilonMicro: Math.round(result.epsilon * 1_000_000),
            }
          : {}),
      },
    });
    await store.transition(id, 'running', {
      status: 'completed',
      completedAt: clock.now(),
      resultCount: records,
    });
    deps.bus.publish('export.completed', {
      exportId: id,
      requestedBy: request.requestedBy,
      approvedBy,
      records,
    });
    return result;
  }

  /**
   * A run that threw: ledger `export.failed` with the error's code, then leave the export `failed`. The
   * status changes even if the ledger cannot take the entry (the run's own error is what the caller sees):
   * `failed` only takes a capability away, and a `running` export would otherwise stay so for ever.
   */
  async function fail(p: StaffPrincipal, id: string, error: unknown): Promise<void> {
    const code = error instanceof CustosError ? error.code : 'INTERNAL';
    await ledger
      .append({ type: 'export.failed', actor: actorRef(p.actor), data: { exportId: id, code } })
      .catch(() => undefined);
    await store
      .transition(id, 'running', { status: 'failed', completedAt: clock.now() })
      .catch(() => undefined);
  }

  return {
    /** Ask for an export; nothing leaves until a second person approves. */
    async request(
      p: StaffPrincipal,
      input: {
        kind: string;
        purpose: string;
        customerIds?: unknown;
        fields?: unknown;
        dimensions?: unknown;
        k?: unknown;
      },
    ): Promise<ExportView> {
      deps.sessions.requireStepUp(p.session);
      let spec: RecordSpec | AggregateSpec;
      if (input.kind === 'records') {
        if (!(recordExportPurposes as readonly string[]).includes(input.purpose)) {
          throw validationFailed([
            { path: 'purpose', problem: `must be one of ${recordExportPurposes.join(', ')}` },
          ]);
        }
        const ids = Array.isArray(input.customerIds) ? [...new Set(input.customerIds)] : [];
        if (
          ids.length === 0 ||
          ids.length > EXPORT_CAP ||
          ids.some((id) => typeof id !== 'string' || !isUuid(id))
        ) {
          throw validationFailed([
            { path: 'customerIds', problem: `must list 1–${EXPORT_CAP} customer ids` },
          ]);
        }
        const fields = validFields(input.fields);
        await requireRecordExport(p, fields);
        spec = { customerIds: ids as string[], fields };
      } else if (input.kind === 'aggregate') {
        if (input.purpose !== 'marketing') {
          throw validationFailed([{ path: 'purpose', problem: 'aggregates are for marketing' }]);
        }
        const k = input.k === undefined ? MIN_K : input.k;
        if (typeof k !== 'number' || !Number.isInteger(k) || k < MIN_K || k > 1000) {
          throw validationFailed([{ path: 'k', problem: `must be an integer from ${MIN_K} to 1000` }]);
        }
        spec = { dimensions: validDimensions(input.dimensions), k };
        await gate.requireAction(p, 'aggregate');
        await requireBudget(p);
      } else {
        throw validationFailed([{ path: 'kind', problem: 'must be records or aggregate' }]);
      }
      const now = clock.now();
      const request: ExportRecord = {
        id: uuidv7(now),
        kind: input.kind,
        purpose: input.purpose,
        requestedBy: p.staffId,
        spec,
        status: 'pending',
        createdAt: now,
        decidedBy: null,
        decidedAt: null,
        completedAt: null,
        resultCount: null,
        runnableAfter: null,
      };
      const store_ = () =>
        ledger.record(
          {
            type: 'export.requested',
            actor: actorRef(p.actor),
            data: {
              exportId: request.id,
              kind: request.kind,
              purpose: request.purpose,
              customers: 'customerIds' in spec ? spec.customerIds.length : 0,
              fields: 'fields' in spec ? spec.fields : spec.dimensions,
            },
          },
          () => store.insert(request),
        );
      if ('customerIds' in spec) await deps.caps.asRequester(p, spec.customerIds, store_);
      else await store_();
      if (isLarge(request))
        await announce(p, 'large_export_requested', request, { quorum: quorumOf(request) });
      return view(request, quorumOf(request), []);
    },

    async pending(p: StaffPrincipal): Promise<ExportView[]> {
      await gate.requireAction(p, 'export_approve');
      return Promise.all((await store.pending(200)).map(viewOf));
    },

    async get(p: StaffPrincipal, id: string): Promise<ExportView> {
      const request = await load(id);
      if (request.requestedBy !== p.staffId) {
        await gate.requireAction(p, 'export_approve');
      }
      return viewOf(request);
    },

    /** The second person's decision: security role, fresh second factor, never the requester. */
    async decide(p: StaffPrincipal, id: string, approved: boolean): Promise<ExportView> {
      deps.sessions.requireStepUp(p.session);
      await gate.requireAction(p, 'export_approve');
      const request = await load(id);
      if (request.requestedBy === p.staffId) {
        throw new CustosError('SAME_PERSON', 'A second person must decide on your export');
      }
      if (!approved) return reject(p, request);
      await deps.independence.assertIndependent(p.staffId, [request.requestedBy]);
      if (request.status !== 'pending')
        throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
      const decided = await approve(p, request);
      // Every approval is announced to the rest of the approving role (separation of duties).
      await deps.announcements.announce({
        role: p.role,
        kind: 'export.approved',
        subjectId: id,
        requestedBy: request.requestedBy,
        decidedBy: p.staffId,
      });
      return decided;
    },

    /**
     * The requester runs an approved export, once. A run that fails part-way is recorded (`export.failed`)
     * and leaves the export `failed`, not runnable again: some customers' `customer.exported` entries may
     * already be in the ledger, so another attempt needs a new request and a new approval.
     */
    async run(p: StaffPrincipal, id: string): Promise<ExportResult> {
      deps.sessions.requireStepUp(p.session);
      const request = await load(id);
      if (request.requestedBy !== p.staffId)
        throw new CustosError('ACCESS_DENIED', 'Only the requester can run an export');
      if (request.status === 'failed') {
        throw new CustosError('APPROVAL_REQUIRED', 'This export failed: request a new one');
      }
      if (
        request.status !== 'approved' ||
        request.decidedBy === null ||
        request.decidedBy === request.requestedBy
      ) {
        throw new CustosError('APPROVAL_REQUIRED', 'This export is not approved by a second person');
      }
      const approvers = await store.approvalsOf(id);
      if (approvers.includes(request.requestedBy) || approvers.length < quorumOf(request)) {
        throw new CustosError('APPROVAL_REQUIRED', 'This export does not have the approvals it needs');
      }
      if (request.runnableAfter !== null && clock.now() < request.runnableAfter) {
        throw new CustosError(
          'EXPORT_WAITING',
          `A large export waits until ${new Date(request.runnableAfter).toISOString()} before it can run`,
        );
      }
      // An aggregate over budget stays approved: it may run once old releases leave the window.
      if (request.kind === 'aggregate') await requireBudget(p);
      // Records leave now, not when asked: the requester must still be let through (training expired, role
      // changed since the request); refused, the export stays approved.
      else await requireRecordExport(p, (request.spec as RecordSpec).fields);
      if (!(await store.transition(id, 'approved', { status: 'running' }))) {
        throw new CustosError('EXPORT_NOT_PENDING', 'This export was already run');
      }
      try {
        return await complete(p, request, request.decidedBy);
      } catch (error) {
        await fail(p, id, error);
        throw error;
      }
    },
  };
}

export type Exports = ReturnType<typeof createExports>;
