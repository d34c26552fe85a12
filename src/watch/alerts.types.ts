/**
 * A security alert as stored, in the alerts service's words: camelCase, its data parsed, times as epoch
 * milliseconds. alerts.store.ts maps it to and from its row. It names staff and subjects by id only.
 */

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

export interface AlertRecord {
  id: string;
  kind: string;
  severity: AlertSeverity;
  staffId: string;
  subject: string | null;
  /** Ids and counts only, never personal data. */
  data: Record<string, unknown>;
  createdAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}
