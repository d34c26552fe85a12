/**
 * When a person's request is due, per jurisdiction: pure arithmetic, no clock, no configuration read here.
 *
 * - GDPR art. 12(3): one month from receipt, extendable by two further months (three from receipt). Months
 *   are calendar months as Regulation 1182/71 art. 3(2)(c) counts them: the period ends at the end of the day
 *   with the same date in the last month, or of that month's last day when it has no such date (31 January
 *   + 1 month → end of 28 February, or 29 February in a leap year).
 * - CCPA (11 CCR § 7021(b)): 45 calendar days from receipt, extendable once by 45 more (90 from receipt).
 * - PIPL art. 50 sets no number: `piplDays` calendar days (CUSTOS_PIPL_REQUEST_DAYS, 15 by default), and no
 *   extension (the law provides none).
 *
 * Invariant: every deadline is computed in UTC, from the UTC calendar day of receipt, and ends at the end of
 * its last day: `dueAt` is the first instant after it (00:00:00.000Z of the next day), so a request is overdue
 * exactly when `now >= dueAt`. A request filed at 23:59 UTC counts from that day, wherever the customer is.
 * Weekends and public holidays do not move a deadline (earlier than Regulation 1182/71 would allow, never
 * later).
 */
import type { Jurisdiction } from '../../platform/jurisdiction.ts';

export const requestKinds = ['access', 'export', 'correction', 'erasure', 'objection'] as const;
export type RequestKind = (typeof requestKinds)[number];

export interface Deadline {
  /** The first instant after the period (ms since the epoch): overdue when `now >= dueAt`. */
  dueAt: number;
  /** The period's last day, `YYYY-MM-DD` (UTC). */
  dueDate: string;
}

export interface DeadlineSettings {
  /** Calendar days a request may take under PIPL. */
  piplDays: number;
}

const DAY_MS = 86_400_000;

/** The end of the UTC day `year-month-day` (month 0-based; day may overflow, as `Date.UTC` allows). */
function endOfDay(year: number, month: number, day: number): Deadline {
  const dueAt = Date.UTC(year, month, day + 1);
  return { dueAt, dueDate: new Date(dueAt - DAY_MS).toISOString().slice(0, 10) };
}

/** `months` calendar months after the UTC day of `at`, clamped to the last day of the target month. */
function afterMonths(at: number, months: number): Deadline {
  const start = new Date(at);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return endOfDay(year, month, Math.min(start.getUTCDate(), lastDay));
}

/** `days` calendar days after the UTC day of `at`. */
function afterDays(at: number, days: number): Deadline {
  const start = new Date(at);
  return endOfDay(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + days);
}

/**
 * When a request received at `filedAt` (ms) is due.
 *
 * @example
 *   requestDeadline('GDPR', Date.parse('2027-01-31T10:00:00Z'), { piplDays: 15 })
 *   // { dueAt: Date.parse('2027-03-01T00:00:00Z'), dueDate: '2027-02-28' }
 */
export function requestDeadline(
  jurisdiction: Jurisdiction,
  filedAt: number,
  settings: DeadlineSettings,
): Deadline {
  switch (jurisdiction) {
    case 'GDPR':
      return afterMonths(filedAt, 1);
    case 'CCPA':
      return afterDays(filedAt, 45);
    case 'PIPL':
      return afterDays(filedAt, settings.piplDays);
  }
}

/**
 * When a request received at `filedAt` is due once extended (the extension runs from receipt, not from the
 * first deadline); null where the law allows no extension (PIPL).
 *
 * @example
 *   extendedDeadline('GDPR', Date.parse('2027-01-31T10:00:00Z'))?.dueDate // '2027-04-30'
 */
export function extendedDeadline(jurisdiction: Jurisdiction, filedAt: number): Deadline | null {
  switch (jurisdiction) {
    case 'GDPR':
      return afterMonths(filedAt, 3);
    case 'CCPA':
      return afterDays(filedAt, 90);
    case 'PIPL':
      return null;
  }
}
