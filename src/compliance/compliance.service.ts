/**
 * Compliance: records of processing, access statistics and breach incidents, for security and
 * administrators as the policy says (`compliance_read`, `incident_open`), or for the operator on the host
 * (`custos compliance …`, `custos incident open`), who acts as `system:operator`.
 *
 * Invariants: the access decision comes first; an incident's opening is ledgered ahead (`incident.opened`,
 * ids and counts only) before its affected list is answered; statistics and incidents are read from the
 * ledger, the record of every access — not from a table an insider could edit.
 */
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef, staffIdOfRef } from '../platform/actor.ts';
import type { Clock } from '../platform/clock.ts';
import { CustosError, validationFailed } from '../platform/errors.ts';
import { isUuid, uuidv7 } from '../platform/ids.ts';
import type { Jurisdiction } from '../platform/jurisdiction.ts';
import { type AccessCounts, accessStatistics, statisticsEntryTypes } from './access-statistics.ts';
import { type AccessEntry, accessEntryTypes, affectedCustomers, notificationDeadlines } from './incident.ts';
import { draftNotices, type IncidentNotices } from './incident-notices.ts';
import type { IncidentStore } from './incidents.store.ts';
import {
  type FieldReach,
  type RecordsOfProcessing,
  recordsOfProcessing,
  type StoredField,
} from './records-of-processing.ts';

/** Who asks: a staff member (the policy decides) or the operator on the host (the command line). */
export type Caller = { principal: StaffPrincipal } | { operator: true };
export const operatorActor: Actor = { type: 'system', id: 'operator' };

export interface IncidentReport {
  incidentId: string;
  staffId: string;
  jurisdiction: Jurisdiction;
  from: string;
  to: string;
  knownAt: string;
  customers: string[];
  accesses: Record<string, number>;
  fields: string[];
  deadlines: {
    regulator: { dueAt: string; immediately: boolean; basis: string };
    customers: { dueAt: string; immediately: boolean; basis: string };
  };
  notices: IncidentNotices;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A time given as an ISO date or date-time (UTC when no zone is given); VALIDATION_FAILED otherwise. */
export function timeOf(path: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(withZone) ? Date.parse(withZone) : Number.NaN;
  if (!Number.isFinite(ms)) throw validationFailed([{ path, problem: 'must be an ISO date or date-time' }]);
  return ms;
}

export function createCompliance(deps: {
  ledger: Pick<Ledger, 'record' | 'replay'>;
  staff: Pick<StaffDirectory, 'member'>;
  /** Access's decision on a staff act; throws, ledgered, when not allowed. */
  authorize: (p: StaffPrincipal, action: 'compliance_read' | 'incident_open') => Promise<void>;
  incidents: IncidentStore;
  sessions: Pick<Sessions, 'requireStepUp'>;
  fields: readonly StoredField[];
  reach: (field: StoredField) => FieldReach;
  jurisdiction: Jurisdiction;
  retentionFloorMs: number;
  controller: string;
  clock: Clock;
}) {
  const { ledger, clock } = deps;

  async function allowed(by: Caller, action: 'compliance_read' | 'incident_open'): Promise<Actor> {
    if ('operator' in by) return operatorActor;
    await deps.authorize(by.principal, action);
    return by.principal.actor;
  }

  async function entriesOf(types: readonly string[], since: number): Promise<AccessEntry[]> {
    const entries: AccessEntry[] = [];
    for await (const e of ledger.replay(types as never, since)) entries.push(e as AccessEntry);
    return entries;
  }

  function period(input: { from?: string; to?: string }, now: number): { from: number; to: number } {
    const from = timeOf('from', input.from, Number.NaN);
    if (!Number.isFinite(from)) throw validationFailed([{ path: 'from', problem: 'is required' }]);
    const to = timeOf('to', input.to, now);
    if (!(from <= to)) throw validationFailed([{ path: 'to', problem: 'must not be before from' }]);
    return { from, to };
  }

  return {
    async recordsOfProcessing(by: Caller): Promise<RecordsOfProcessing> {
      await allowed(by, 'compliance_read');
      return recordsOfProcessing({
        fields: deps.fields,
        reach: deps.reach,
        jurisdiction: deps.jurisdiction,
        retentionFloorMs: deps.retentionFloorMs,
        controller: deps.controller,
        now: clock.now(),
      });
    },

    /** Views, reveals, exports and search hits in [from, to], per role, site and purpose (counts only). */
    async statistics(
      by: Caller,
      input: { from?: string; to?: string },
    ): Promise<{ from: string; to: string; rows: AccessCounts[] }> {
      await allowed(by, 'compliance_read');
      const { from, to } = period(input, clock.now());
      const purposes = new Map<string, string>();
      const exportPurposes = new Map<string, string>();
      // Views and reveals through cases opened before the period still count under the case's purpose.
      for await (const e of ledger.replay(['case.opened', 'export.requested'], 0)) {
        if (e.at > to) break;
        const d = e.data as { caseId?: string; exportId?: string; purpose: string };
        if (e.type === 'case.opened' && d.caseId) purposes.set(d.caseId, d.purpose);
        if (e.type === 'export.requested' && d.exportId) exportPurposes.set(d.exportId, d.purpose);
      }
      const entries = await entriesOf(statisticsEntryTypes, from);
      const staff = new Map<string, { role: string; site: string } | undefined>();
      for (const e of entries) {
        const id = staffIdOfRef(e.actor);
        if (id !== undefined && !staff.has(id)) {
          const member = await deps.staff.member(id);
          staff.set(id, member ? { role: member.role, site: member.site } : undefined);
        }
      }
      const rows = accessStatistics({
        entries,
        from,
        to,
        casePurpose: (id) => purposes.get(id),
        exportPurpose: (id) => exportPurposes.get(id),
        staff: (id) => staff.get(id),
      });
      return { from: iso(from), to: iso(to), rows };
    },

    /**
     * Open a breach incident about `staffId`'s accesses in [from, to] (to: now; staff with a fresh
     * step-up): ledgered first, then the
     * affected customers (ids), the notification deadlines from `knownAt` (default: now) and the notices'
     * drafts are answered.
     */
    async openIncident(
      by: Caller,
      input: { staffId: string; from?: string; to?: string; knownAt?: string },
    ): Promise<IncidentReport> {
      const actor = await allowed(by, 'incident_open');
      // It lists customers by id: staff open one with a fresh second factor.
      if ('principal' in by) deps.sessions.requireStepUp(by.principal.session);
      const now = clock.now();
      const { from, to } = period(input, now);
      const knownAt = timeOf('knownAt', input.knownAt, now);
      const member = isUuid(input.staffId) ? await deps.staff.member(input.staffId) : undefined;
      if (!member) throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
      const affected = affectedCustomers(await entriesOf(accessEntryTypes, from), member.id, from, to);
      const jurisdiction = deps.jurisdiction;
      const deadlines = notificationDeadlines(jurisdiction, knownAt);
      const incidentId = uuidv7(now);
      await ledger.record(
        {
          type: 'incident.opened',
          actor: actorRef(actor),
          data: {
            incidentId,
            staffId: member.id,
            from,
            to,
            affected: affected.customers.length,
            jurisdiction,
            regulatorDueAt: deadlines.regulator.dueAt,
          },
        },
        () =>
          deps.incidents.insert({
            id: incidentId,
            staffId: member.id,
            from,
            to,
            knownAt,
            jurisdiction,
            affected: affected.customers.length,
            openedBy: actorRef(actor),
          }),
      );
      const deadline = (d: { dueAt: number; immediately: boolean; basis: string }) => ({
        ...d,
        dueAt: iso(d.dueAt),
      });
      return {
        incidentId,
        staffId: member.id,
        jurisdiction,
        from: iso(from),
        to: iso(to),
        knownAt: iso(knownAt),
        customers: affected.customers,
        accesses: affected.accesses,
        fields: affected.fields,
        deadlines: { regulator: deadline(deadlines.regulator), customers: deadline(deadlines.customers) },
        notices: draftNotices({ incidentId, jurisdiction, from, to, knownAt, affected, deadlines }),
      };
    },
  };
}

export type Compliance = ReturnType<typeof createCompliance>;
