/**
 * SQL for security alerts, as `AlertRecord`s (alerts.types.ts): raised by access (break-glass now, the
 * watcher later), triaged by security.
 */
import type { Kysely } from 'kysely';
import type { AlertsTable, Database } from '../platform/database/schema.ts';
import type { AlertRecord, AlertSeverity } from './alerts.types.ts';

const toRecord = (row: AlertsTable): AlertRecord => ({
  id: row.id,
  kind: row.kind,
  severity: row.severity as AlertSeverity,
  staffId: row.staff_id,
  subject: row.subject,
  data: JSON.parse(row.data) as Record<string, unknown>,
  createdAt: Number(row.created_at),
  acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
  acknowledgedBy: row.acknowledged_by,
});

export function createAlertStore(db: Kysely<Database>) {
  return {
    async insert(alert: AlertRecord): Promise<void> {
      await db
        .insertInto('alerts')
        .values({
          id: alert.id,
          kind: alert.kind,
          severity: alert.severity,
          staff_id: alert.staffId,
          subject: alert.subject,
          data: JSON.stringify(alert.data),
          created_at: alert.createdAt,
          acknowledged_at: alert.acknowledgedAt,
          acknowledged_by: alert.acknowledgedBy,
        })
        .execute();
    },
    async open(limit: number): Promise<AlertRecord[]> {
      const rows = await db
        .selectFrom('alerts')
        .selectAll()
        .where('acknowledged_at', 'is', null)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
