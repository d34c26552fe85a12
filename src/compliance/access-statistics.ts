/**
 * Access statistics (PIPL art. 54 audits, GDPR art. 30 accountability): how many views, reveals, exports and
 * search hits staff made in a period, per role, site and purpose — counts only, no customer. Pure: the
 * ledger entries, the purposes of cases and exports, and staff members' roles and sites are handed in.
 *
 * Role and site are the staff member's as the directory holds them now (`unknown` for an actor it does not
 * know, such as a system job); purpose is the case's (views and reveals), the export's (exports), or `none`
 * (search hits: a search needs no case).
 */
import { staffIdOfRef } from '../platform/actor.ts';
import type { AccessEntry } from './incident.ts';

export interface AccessCounts {
  role: string;
  site: string;
  purpose: string;
  views: number;
  reveals: number;
  exports: number;
  /** Customers shown by searches (one `customer.search_hit` each). */
  searchHits: number;
}

const counted = {
  'customer.viewed': 'views',
  'customer.revealed': 'reveals',
  'customer.exported': 'exports',
  'customer.search_hit': 'searchHits',
} as const;
export const statisticsEntryTypes = Object.keys(counted) as Array<keyof typeof counted>;

export function accessStatistics(input: {
  entries: Iterable<AccessEntry>;
  from: number;
  to: number;
  /** The case's purpose, from its `case.opened` entry. */
  casePurpose: (caseId: string) => string | undefined;
  exportPurpose: (exportId: string) => string | undefined;
  /** Role and site of a staff member, by id. */
  staff: (staffId: string) => { role: string; site: string } | undefined;
}): AccessCounts[] {
  const rows = new Map<string, AccessCounts>();
  for (const entry of input.entries) {
    if (entry.at < input.from || entry.at > input.to) continue;
    const column = counted[entry.type as keyof typeof counted];
    if (!column) continue;
    const data = (entry.data ?? {}) as { purpose?: unknown; caseId?: unknown; exportId?: unknown };
    const staffId = staffIdOfRef(entry.actor);
    const member = staffId === undefined ? undefined : input.staff(staffId);
    const purpose =
      (typeof data.purpose === 'string' ? data.purpose : undefined) ??
      (typeof data.caseId === 'string' ? input.casePurpose(data.caseId) : undefined) ??
      (typeof data.exportId === 'string' ? input.exportPurpose(data.exportId) : undefined) ??
      'none';
    const role = member?.role ?? 'unknown';
    const site = member?.site ?? 'unknown';
    const key = `${role}\u0000${site}\u0000${purpose}`;
    let row = rows.get(key);
    if (!row) {
      row = { role, site, purpose, views: 0, reveals: 0, exports: 0, searchHits: 0 };
      rows.set(key, row);
    }
    row[column]++;
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.role.localeCompare(b.role) || a.site.localeCompare(b.site) || a.purpose.localeCompare(b.purpose),
  );
}
