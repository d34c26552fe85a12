/**
 * Caps on record exports, in distinct customers: per requester (what they asked for, pending or not, except
 * what was rejected) and per approver (what they approved), each over any 24 hours and any 7 days. Ten
 * 1,000-customer exports in a row are refused at the cap, and one approver cannot wave a colleague's
 * harvest through in batches either.
 *
 * Invariant: one staff member's check and the write that follows it run one at a time on a node (a keyed
 * queue per requester and per approver), so parallel requests cannot all pass the same room.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Clock } from '../../platform/clock.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { AccessGate } from '../access-gate.ts';
import type { ExportStore } from './exports.store.ts';
import type { ExportRecord } from './exports.types.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface ExportCapLimits {
  requesterDay: number;
  requesterWeek: number;
  approverDay: number;
  approverWeek: number;
}

/** The distinct customers named by these record-export specs and `adding`. */
function distinct(specs: ExportRecord['spec'][], adding: readonly string[]): number {
  const ids = new Set(adding);
  for (const spec of specs) if ('customerIds' in spec) for (const id of spec.customerIds) ids.add(id);
  return ids.size;
}

export function createExportCaps(deps: {
  store: Pick<ExportStore, 'requestedSince' | 'approvedSince'>;
  gate: Pick<AccessGate, 'refuse'>;
  clock: Clock;
  limits: ExportCapLimits;
}) {
  const { store, gate, clock, limits } = deps;
  const serially = createKeyedQueue();

  /** Throws EXPORT_CAP_EXCEEDED (ledgered) when `ids` would take `loaded` past a cap. */
  async function check(
    p: StaffPrincipal,
    who: 'requester' | 'approver',
    ids: readonly string[],
    load: (since: number) => Promise<ExportRecord['spec'][]>,
  ): Promise<void> {
    if (ids.length === 0) return; // an aggregate names nobody
    const now = clock.now();
    const windows =
      who === 'requester'
        ? ([
            [limits.requesterDay, DAY_MS, '24 hours'],
            [limits.requesterWeek, WEEK_MS, '7 days'],
          ] as const)
        : ([
            [limits.approverDay, DAY_MS, '24 hours'],
            [limits.approverWeek, WEEK_MS, '7 days'],
          ] as const);
    for (const [cap, span, name] of windows) {
      if (distinct(await load(now - span), ids) <= cap) continue;
      const verb = who === 'requester' ? 'ask to export' : 'approve exports of';
      throw await gate.refuse(
        p,
        who === 'requester' ? 'export_request' : 'export_approve',
        'EXPORT_CAP_EXCEEDED',
        {},
        [],
        `You may ${verb} at most ${cap} distinct customers in ${name}`,
      );
    }
  }

  return {
    /**
     * Run `write` (storing the request) only if the requester stays within their caps with `ids`; checks
     * and writes of one requester never interleave.
     */
    asRequester<T>(p: StaffPrincipal, ids: readonly string[], write: () => Promise<T>): Promise<T> {
      return serially(`requester:${p.staffId}`, async () => {
        await check(p, 'requester', ids, (since) => store.requestedSince(p.staffId, since));
        return write();
      });
    },

    /** The same for an approver approving an export of `ids`. */
    asApprover<T>(p: StaffPrincipal, ids: readonly string[], write: () => Promise<T>): Promise<T> {
      return serially(`approver:${p.staffId}`, async () => {
        await check(p, 'approver', ids, (since) => store.approvedSince(p.staffId, since));
        return write();
      });
    },
  };
}

export type ExportCaps = ReturnType<typeof createExportCaps>;
