/**
 * Drafts of a breach's notices, for a person to complete and send: one to the regulator, one to each
 * affected customer. They carry counts, the period, the kinds of data and the deadlines — no customer's
 * name, contact or value, and the staff member by id only (the regulator may ask for more, through people).
 */
import type { Jurisdiction } from '../platform/jurisdiction.ts';
import type { AffectedCustomers, NotificationDeadlines } from './incident.ts';

export interface IncidentNotices {
  regulator: string;
  customer: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

export function draftNotices(input: {
  incidentId: string;
  jurisdiction: Jurisdiction;
  from: number;
  to: number;
  knownAt: number;
  affected: AffectedCustomers;
  deadlines: NotificationDeadlines;
}): IncidentNotices {
  const { affected, deadlines } = input;
  const data =
    affected.fields.length > 0 ? affected.fields.join(', ') : 'masked records only (no field revealed)';
  const due = (d: { dueAt: number; immediately: boolean }) =>
    d.immediately ? 'immediately' : `by ${iso(d.dueAt)}`;
  const regulator = [
    `Personal data breach notification (${input.jurisdiction}) — incident ${input.incidentId}`,
    '',
    `Nature: one staff account accessed customer records beyond its tasks between ${iso(input.from)} and ${iso(input.to)}.`,
    `Became aware: ${iso(input.knownAt)}. This notice is due ${due(deadlines.regulator)} (${deadlines.regulator.basis}).`,
    `Customers concerned: ${affected.customers.length}. Accesses: ${affected.accesses['customer.revealed']} reveals, ` +
      `${affected.accesses['customer.viewed']} views of masked records, ${affected.accesses['customer.exported']} exports, ` +
      `${affected.accesses['customer.search_hit']} search hits, ${affected.accesses['customer.updated']} corrections.`,
    `Categories of data: ${data}.`,
    'Likely consequences: [to complete]',
    'Measures taken: the account is suspended and its sessions ended; every access is in the signed ledger. [to complete]',
    'Contact: [the data protection officer / personal information protection officer]',
  ].join('\n');
  const customer = [
    'Dear customer,',
    '',
    `Between ${day(input.from)} and ${day(input.to)} a member of our staff accessed your record without a reason we accept.`,
    `What was exposed: ${data}.`,
    'What we have done: the account is suspended; every access to your record is in our signed ledger, and you can see',
    'each one in your access history in the privacy portal.',
    'What you can do: [to complete — e.g. watch for calls claiming to be us]. You may ask for a copy, a correction or',
    'the erasure of your data, and complain to the regulator.',
    `Contact: [the data protection officer]. Reference: ${input.incidentId}.`,
  ].join('\n');
  return { regulator, customer };
}
