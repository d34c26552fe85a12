/**
 * A breach about one staff member's accesses, worked out from ledger entries: which customers they reached
 * in a period, and by when the regulator and the customers must be told. Pure: the entries are handed in.
 *
 * Reached means a ledger entry by that staff member (`staff:<id>`) in the period that names the customer
 * (`customerId` in the payload, else its subject): a view, reveal, correction, export or search hit (one
 * `customer.search_hit` per customer a search showed). Entries by anyone else, outside the period or of
 * other types are not counted; the list is each customer once, in id order.
 *
 * Deadlines run from `knownAt`, when the organisation became aware (GDPR art. 33(1)): GDPR gives the
 * regulator 72 hours and the customers "without undue delay" where the risk is high (art. 34(1)); PIPL art. 57
 * says "immediately" to both; CCPA (Civil Code § 1798.82(a)) "in the most expedient time possible". What the
 * law says "immediately" or "without undue delay" is due at `knownAt` itself: due now.
 */
import type { Jurisdiction } from '../platform/jurisdiction.ts';

export const accessEntryTypes = [
  'customer.viewed',
  'customer.revealed',
  'customer.updated',
  'customer.exported',
  'customer.search_hit',
] as const;
export type AccessEntryType = (typeof accessEntryTypes)[number];

/** What an entry tells about an access (the ledger's entry, as far as this reads it). */
export interface AccessEntry {
  type: string;
  actor: string;
  at: number;
  subject?: string | null;
  data: unknown;
}

export interface AffectedCustomers {
  customers: string[];
  /** Entries counted, per kind of access. */
  accesses: Record<AccessEntryType, number>;
  /** The fields revealed, corrected or exported (names only): what the notices say was exposed. */
  fields: string[];
}

/** The customer one access entry names: its payload's `customerId`, else its subject. */
export function customerNamed(entry: AccessEntry): string | undefined {
  const data = (entry.data ?? {}) as { customerId?: unknown };
  if (typeof data.customerId === 'string') return data.customerId;
  return typeof entry.subject === 'string' ? entry.subject : undefined;
}

/** Customers `staffId` reached in [`from`, `to`] according to `entries` (any order, any actor). */
export function affectedCustomers(
  entries: Iterable<AccessEntry>,
  staffId: string,
  from: number,
  to: number,
): AffectedCustomers {
  const actor = `staff:${staffId}`;
  const customers = new Set<string>();
  const fields = new Set<string>();
  const accesses = Object.fromEntries(accessEntryTypes.map((t) => [t, 0])) as Record<AccessEntryType, number>;
  for (const entry of entries) {
    if (entry.actor !== actor || entry.at < from || entry.at > to) continue;
    if (!(accessEntryTypes as readonly string[]).includes(entry.type)) continue;
    const customerId = customerNamed(entry);
    if (customerId === undefined) continue;
    accesses[entry.type as AccessEntryType]++;
    customers.add(customerId);
    const touched = (entry.data as { fields?: unknown }).fields;
    if (Array.isArray(touched)) for (const f of touched) if (typeof f === 'string') fields.add(f);
  }
  return { customers: [...customers].sort(), accesses, fields: [...fields].sort() };
}

export interface NoticeDeadline {
  /** When the notice is due (ms); equal to `knownAt` when the law says "immediately". */
  dueAt: number;
  immediately: boolean;
  basis: string;
}

export interface NotificationDeadlines {
  regulator: NoticeDeadline;
  customers: NoticeDeadline;
}

const HOUR_MS = 3_600_000;

/**
 * @example notificationDeadlines('GDPR', Date.parse('2027-03-01T09:30:00Z')).regulator.dueAt
 *   // Date.parse('2027-03-04T09:30:00Z')
 */
export function notificationDeadlines(jurisdiction: Jurisdiction, knownAt: number): NotificationDeadlines {
  const now = (basis: string): NoticeDeadline => ({ dueAt: knownAt, immediately: true, basis });
  switch (jurisdiction) {
    case 'GDPR':
      return {
        regulator: {
          dueAt: knownAt + 72 * HOUR_MS,
          immediately: false,
          basis: 'GDPR art. 33(1): without undue delay and not later than 72 hours after becoming aware',
        },
        customers: now(
          'GDPR art. 34(1): without undue delay, where the breach is likely to result in a high risk',
        ),
      };
    case 'PIPL':
      return {
        regulator: now(
          'PIPL art. 57: immediately, to the departments performing personal information protection duties',
        ),
        customers: now('PIPL art. 57: immediately, to the individuals'),
      };
    case 'CCPA':
      return {
        regulator: now(
          'Cal. Civ. Code § 1798.82(f): to the Attorney General with the notices, if more than 500 residents',
        ),
        customers: now(
          'Cal. Civ. Code § 1798.82(a): in the most expedient time possible and without unreasonable delay',
        ),
      };
  }
}
