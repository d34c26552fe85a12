/**
 * A staff member's acts around an alert, as security reads them: from the ledger, one item per entry the
 * staff member wrote, with what the act was about (ids, field names, the evidence kind) and never what it
 * carried (no reason, no query digest, no plaintext of any kind).
 */
import type { LedgerEntry } from '../../ledger/entry-types.ts';

/** How far back a timeline reaches before the alert was raised. */
export const TIMELINE_DAYS = 7;
/** At most this many acts, oldest first from `TIMELINE_DAYS` before the alert. */
export const TIMELINE_LIMIT = 200;

export interface TimelineItem {
  type: string;
  at: string;
  /** The customer (or other subject) the act was about. */
  subject: string | null;
  caseId?: string;
  /** A reveal: what showed the customer started it. */
  evidence?: string;
  /** Field names only. */
  fields?: string[];
}

/** The timeline item of one ledger entry: only ids, names and kinds are copied from its payload. */
export function timelineItem(entry: LedgerEntry): TimelineItem {
  const data = entry.data as Record<string, unknown>;
  const fields = Array.isArray(data.fields) ? data.fields.filter((f) => typeof f === 'string') : undefined;
  return {
    type: entry.type,
    at: new Date(entry.at).toISOString(),
    subject: entry.subject ?? null,
    ...(typeof data.caseId === 'string' ? { caseId: data.caseId } : {}),
    ...(typeof data.evidence === 'string' ? { evidence: data.evidence } : {}),
    ...(fields ? { fields } : {}),
  };
}
