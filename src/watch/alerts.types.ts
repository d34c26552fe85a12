/**
 * A security alert as stored, in the alerts service's words: camelCase, its data parsed, times as epoch
 * milliseconds. alerts.store.ts maps it to and from its row. It names staff and subjects by id only.
 */

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** Where an alert is in its triage: `open` and `assigned` wait for a decision; the other two are decided. */
export const alertStatuses = ['open', 'assigned', 'confirmed', 'dismissed'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export interface AlertRecord {
  id: string;
  kind: string;
  severity: AlertSeverity;
  staffId: string;
  subject: string | null;
  /** Ids and counts only, never personal data. */
  data: Record<string, unknown>;
  createdAt: number;
  /** When it was decided (confirmed or dismissed), and by whom; null while undecided. */
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  status: AlertStatus;
  /** The security member triaging it. */
  assignee: string | null;
  /** What the decider typed: about the staff member, never about a customer. */
  reason: string | null;
  /** A dismissal's verdict: the watch was wrong. Null unless dismissed. */
  falsePositive: boolean | null;
  /** A decided `risk_tier` alert's top indicator. */
  indicator: string | null;
}

/** An investigation of a staff member, opened by confirming an alert about them. */
export interface InvestigationRecord {
  id: string;
  alertId: string;
  staffId: string;
  openedBy: string;
  openedAt: number;
  status: 'open';
}

/** Decided alerts of one kind (and, for `risk_tier`, one top indicator): confirmed and false positives. */
export interface FeedbackCount {
  kind: string;
  indicator: string | null;
  confirmed: number;
  falsePositives: number;
}
