/**
 * The security role's decisions on exports: approvals counted per person against the approver caps, a
 * quorum for a large export followed by a waiting period announced to all of security, rejection while
 * pending and — for a large export — a veto until the waiting period ends. Also the wire view of a request.
 *
 * Invariant: an approval is ledgered before it is stored and stored once per person; the export becomes
 * `approved` only by the approval that completes its quorum (one conditional transition).
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import type { Alerts } from '../../watch/alerts.service.ts';
import type { ExportCaps } from './export-caps.ts';
import type { ExportStore } from './exports.store.ts';
import type { AggregateSpec, ExportRecord, RecordSpec } from './exports.types.ts';

export interface ExportView {
  id: string;
  kind: 'records' | 'aggregate';
  purpose: string;
  status: string;
  requestedBy: string;
  decidedBy: string | null;
  /** How many security members approved it, and how many it needs. */
  approvals?: number;
  quorum: number;
  /** A large export: when it may first run (after its quorum and the waiting period). */
  runnableAfter: string | null;
  customers?: number;
  fields?: string[];
  dimensions?: string[];
  createdAt: string;
}

/** An export request as its requester and approvers see it. */
export function view(request: ExportRecord, quorum: number, approvals?: readonly string[]): ExportView {
  const spec = request.spec as Partial<RecordSpec & AggregateSpec>;
  return {
    id: request.id,
    kind: request.kind,
    purpose: request.purpose,
    status: request.status,
    requestedBy: request.requestedBy,
    decidedBy: request.decidedBy,
    ...(approvals ? { approvals: approvals.length } : {}),
    quorum,
    runnableAfter: request.runnableAfter === null ? null : new Date(request.runnableAfter).toISOString(),
    ...(spec.customerIds ? { customers: spec.customerIds.length, fields: spec.fields } : {}),
    ...(spec.dimensions ? { dimensions: spec.dimensions } : {}),
    createdAt: new Date(request.createdAt).toISOString(),
  };
}

export function createExportDecisions(deps: {
  store: ExportStore;
  caps: ExportCaps;
  alerts: Pick<Alerts, 'raise'>;
  /** A record export of more than `threshold` customers needs `quorum` approvers and waits `waitMs`. */
  largeExport: { threshold: number; quorum: number; waitMs: number };
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;

  const customersOf = (request: ExportRecord): string[] =>
    'customerIds' in request.spec ? request.spec.customerIds : [];
  const isLarge = (request: ExportRecord) => customersOf(request).length > deps.largeExport.threshold;
  /** How many security members must approve: a quorum for a large export, else one. */
  const quorumOf = (request: ExportRecord) => (isLarge(request) ? deps.largeExport.quorum : 1);
  const viewOf = async (request: ExportRecord) =>
    view(request, quorumOf(request), await store.approvalsOf(request.id));

  /** Tell all of security about a large export (an alert every security member reads). */
  async function announce(
    p: StaffPrincipal,
    kind: 'large_export_requested' | 'large_export_approved',
    request: ExportRecord,
    data: Record<string, unknown>,
  ): Promise<void> {
    await deps.alerts.raise(p.actor, {
      kind,
      severity: 'high',
      staffId: request.requestedBy,
      data: { exportId: request.id, customers: customersOf(request).length, ...data },
    });
  }

  /**
   * One security member's approval: counted against their approver caps, recorded once per person; the
   * export is approved when its quorum is reached — a large one only runs after the waiting period, and
   * its approval is announced to all of security, who may still reject it until then.
   */
  async function approve(p: StaffPrincipal, request: ExportRecord): Promise<ExportView> {
    const id = request.id;
    const quorum = quorumOf(request);
    return deps.caps.asApprover(p, customersOf(request), async () => {
      const before = await store.approvalsOf(id);
      if (before.includes(p.staffId))
        throw new CustosError('SAME_PERSON', 'You already approved this export: another person must');
      const now = clock.now();
      const approvals = before.length + 1;
      await ledger.record(
        {
          type: 'export.decided',
          actor: actorRef(p.actor),
          data: { exportId: id, approved: true, approvals, quorum },
        },
        async () => {
          if (!(await store.addApproval(id, p.staffId, now)))
            throw new CustosError('SAME_PERSON', 'You already approved this export: another person must');
        },
      );
      if (approvals < quorum) return view(request, quorum, [...before, p.staffId]);
      const runnableAfter = isLarge(request) ? now + deps.largeExport.waitMs : undefined;
      const change = { status: 'approved' as const, decidedBy: p.staffId, decidedAt: now, runnableAfter };
      if (!(await store.transition(id, 'pending', change))) {
        throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
      }
      if (runnableAfter !== undefined) {
        await announce(p, 'large_export_approved', request, {
          approvers: [...before, p.staffId],
          runnableAfter: new Date(runnableAfter).toISOString(),
        });
      }
      return view(
        {
          ...request,
          status: 'approved',
          decidedBy: p.staffId,
          decidedAt: now,
          runnableAfter: runnableAfter ?? null,
        },
        quorum,
        [...before, p.staffId],
      );
    });
  }

  /** A rejection: while pending, or — a large export — until its waiting period is over (a veto). */
  async function reject(p: StaffPrincipal, request: ExportRecord): Promise<ExportView> {
    const now = clock.now();
    const vetoable =
      request.status === 'approved' && request.runnableAfter !== null && now < request.runnableAfter;
    if (request.status !== 'pending' && !vetoable)
      throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
    const from = request.status;
    await ledger.record(
      { type: 'export.decided', actor: actorRef(p.actor), data: { exportId: request.id, approved: false } },
      async () => {
        if (
          !(await store.transition(request.id, from, {
            status: 'rejected',
            decidedBy: p.staffId,
            decidedAt: now,
          }))
        ) {
          throw new CustosError('EXPORT_NOT_PENDING', 'This export was already decided');
        }
      },
    );
    return viewOf({ ...request, status: 'rejected', decidedBy: p.staffId, decidedAt: now });
  }

  return { customersOf, isLarge, quorumOf, viewOf, announce, approve, reject };
}
