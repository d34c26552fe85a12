/**
 * Exports: the one outbound gateway for many records at once. A request names its purpose and what it
 * wants; a second person of the security role approves or rejects it (four eyes); only then can the
 * requester run it, once. Record exports are capped and leave out every customer whose consent does not
 * admit the purpose; marketing gets only k-anonymous aggregates (k ≥ 10), never an identifier.
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
  aggregateDimensions,
  type AggregateResult,
  kAnonymousCounts,
  MIN_K,
  validDimensions,
} from './k-anonymity.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { fieldClass, validFields } from '../reveal/reveal-request.ts';

/** At most this many customers in one record export. */
export const EXPORT_CAP = 1000;
/** Aggregates look at no more than this many consenting customers at once. */
const AGGREGATE_POPULATION_CAP = 1_000_000;
export const recordExportPurposes = [
  'service_notice',
  'legal_obligation',
  'third_party_sharing',
  'sale',
] as const;

export interface ExportView {
  id: string;
  kind: 'records' | 'aggregate';
  purpose: string;
  status: string;
  requestedBy: string;
  decidedBy: string | null;
  customers?: number;
  fields?: string[];
  dimensions?: string[];
  createdAt: string;
}

export type ExportResult =
  | {
      kind: 'records';
      exportId: string;
      records: Array<{ customerId: string; fields: Record<string, unknown> }>;
      excluded: number;
    }
  | ({ kind: 'aggregate'; exportId: string } & AggregateResult);

function view(request: ExportRecord): ExportView {
  const spec = request.spec as Partial<RecordSpec & AggregateSpec>;
  return {
    id: request.id,
    kind: request.kind,
    purpose: request.purpose,
    status: request.status,
    requestedBy: request.requestedBy,
    decidedBy: request.decidedBy,
    ...(spec.customerIds ? { customers: spec.customerIds.length, fields: spec.fields } : {}),
    ...(spec.dimensions ? { dimensions: spec.dimensions } : {}),
    createdAt: new Date(request.createdAt).toISOString(),
  };
}

export function createExports(deps: {
  store: ExportStore;
  vault: Pick<VaultService, 'unsealFields'>;
  consents: Pick<Consents, 'admissible' | 'grantedTo'>;
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

  async function runAggregate(request: ExportRecord, spec: AggregateSpec): Promise<ExportResult> {
    const population = await deps.consents.grantedTo('marketing', AGGREGATE_POPULATION_CAP);
    const fields = [...new Set(spec.dimensions.map((d) => aggregateDimensions[d].field))];
    const people = [];
    for (const customerId of population) {
      const opened = await deps.vault.unsealFields(customerId, fields).catch(() => null);
      if (opened) people.push(opened as Record<string, string | null>);
    }
    return { kind: 'aggregate', exportId: request.id, ...kAnonymousCounts(people, spec.dimensions, spec.k) };
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
        ...(result.kind === 'aggregate' ? { suppressed: result.suppressedGroups } : {}),
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
        for (const field of fields) {
          await gate.require(p, { ...roleOnly('export_request'), fieldClass: fieldClass(field) }, { fields });
        }
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
      };
      await ledger.record(
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
      return view(request);
    },

    async pending(p: StaffPrincipal): Promise<ExportView[]> {
      await gate.requireAction(p, 'export_approve');
      return (await store.pending(200)).map(view);
    },

    async get(p: StaffPrincipal, id: string): Promise<ExportView> {
      const request = await load(id);
      if (request.requestedBy !== p.staffId) {
        await gate.requireAction(p, 'export_approve');
      }
      return view(request);
    },

    /** The second person's decision: security role, fresh second factor, never the requester. */
    async decide(p: StaffPrincipal, id: string, approve: boolean): Promise<ExportView> {
      deps.sessions.requireStepUp(p.session);
      await gate.requireAction(p, 'export_approve');
      const request = await load(id);
      if (request.requestedBy === p.staffId) {
        throw new CustosError('SAME_PERSON', 'A second person must decide on your export');
      }
      if (approve) await deps.independence.assertIndependent(p.staffId, [request.requestedBy]);
      if (request.status !== 'pending')
        throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
      const now = clock.now();
      const status = approve ? 'approved' : 'rejected';
      await ledger.record(
        { type: 'export.decided', actor: actorRef(p.actor), data: { exportId: id, approved: approve } },
        async () => {
          if (!(await store.transition(id, 'pending', { status, decidedBy: p.staffId, decidedAt: now }))) {
            throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
          }
          if (approve) {
            await deps.announcements.announce({
              role: p.role,
              kind: 'export.approved',
              subjectId: id,
              requestedBy: request.requestedBy,
              decidedBy: p.staffId,
            });
          }
        },
      );
      return view({ ...request, status, decidedBy: p.staffId, decidedAt: now });
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
