/**
 * SQL for security alerts, as `AlertRecord`s (alerts.types.ts): raised by access and the watch, triaged by
 * security (assigned, then confirmed, which opens an investigation, or dismissed), each decided once.
 */
import { type Kysely, sql } from 'kysely';
import type { AlertsTable, Database, InvestigationsTable } from '../platform/database/schema.ts';
import type {
  AlertRecord,
  AlertSeverity,
  AlertStatus,
  FeedbackCount,
  InvestigationRecord,
} from './alerts.types.ts';

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
  status: row.status as AlertStatus,
  assignee: row.assignee,
  reason: row.reason,
  falsePositive: row.false_positive === null ? null : Number(row.false_positive) === 1,
  indicator: row.indicator,
});

const toInvestigation = (row: InvestigationsTable): InvestigationRecord => ({
  id: row.id,
  alertId: row.alert_id,
  staffId: row.staff_id,
  openedBy: row.opened_by,
  openedAt: Number(row.opened_at),
  status: row.status as 'open',
});

/** A decision as the store records it: who, when, why, and the indicator feedback counts it under. */
export interface AlertDecision {
  by: string;
  at: number;
  reason: string;
  indicator: string | null;
}

export function createAlertStore(db: Kysely<Database>) {
  return {
    async insert(alert: Omit<AlertRecord, 'status' | 'assignee' | 'reason' | 'falsePositive' | 'indicator'>) {
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
          status: 'open',
          assignee: null,
          reason: null,
          false_positive: null,
          indicator: null,
        })
        .execute();
    },

    /** Undecided alerts (open or assigned), newest first. */
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

    /** Alerts in one status, newest first. */
    async withStatus(status: AlertStatus, limit: number): Promise<AlertRecord[]> {
      const rows = await db
        .selectFrom('alerts')
        .selectAll()
        .where('status', '=', status)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    async byId(id: string): Promise<AlertRecord | undefined> {
      const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Give an undecided alert to `assignee`: false when it was decided meanwhile. */
    async assign(id: string, assignee: string): Promise<boolean> {
      const result = await db
        .updateTable('alerts')
        .set({ status: 'assigned', assignee })
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Confirm an undecided alert and open its investigation, in one transaction: false (and nothing
     * written) when someone decided it first.
     */
    async confirm(id: string, decision: AlertDecision, investigation: InvestigationRecord): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('alerts')
          .set({
            status: 'confirmed',
            acknowledged_at: decision.at,
            acknowledged_by: decision.by,
            reason: decision.reason,
            indicator: decision.indicator,
          })
          .where('id', '=', id)
          .where('acknowledged_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx
          .insertInto('investigations')
          .values({
            id: investigation.id,
            alert_id: investigation.alertId,
            staff_id: investigation.staffId,
            opened_by: investigation.openedBy,
            opened_at: investigation.openedAt,
            status: investigation.status,
          })
          .execute();
        return true;
      });
    },

    /** Dismiss an undecided alert: false when someone decided it first. */
    async dismiss(id: string, decision: AlertDecision, falsePositive: boolean): Promise<boolean> {
      const result = await db
        .updateTable('alerts')
        .set({
          status: 'dismissed',
          acknowledged_at: decision.at,
          acknowledged_by: decision.by,
          reason: decision.reason,
          indicator: decision.indicator,
          false_positive: falsePositive ? 1 : 0,
        })
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Keep why a security member unmasked an alert's staff member. */
    async insertUnmasking(u: {
      id: string;
      alertId: string;
      staffId: string;
      by: string;
      at: number;
      reason: string;
    }): Promise<void> {
      await db
        .insertInto('alert_unmaskings')
        .values({
          id: u.id,
          alert_id: u.alertId,
          staff_id: u.staffId,
          unmasked_by: u.by,
          unmasked_at: u.at,
          reason: u.reason,
        })
        .execute();
    },

    async investigationOf(alertId: string): Promise<InvestigationRecord | undefined> {
      const row = await db
        .selectFrom('investigations')
        .selectAll()
        .where('alert_id', '=', alertId)
        .executeTakeFirst();
      return row && toInvestigation(row);
    },

    /** Per kind and indicator: confirmed alerts, and those dismissed as false positives. */
    async feedback(): Promise<FeedbackCount[]> {
      const rows = await db
        .selectFrom('alerts')
        .select([
          'kind',
          'indicator',
          sql<number>`sum(case when status = 'confirmed' then 1 else 0 end)`.as('confirmed'),
          sql<number>`sum(case when status = 'dismissed' and false_positive = 1 then 1 else 0 end)`.as(
            'false_positives',
          ),
        ])
        .where('status', 'in', ['confirmed', 'dismissed'])
        .groupBy(['kind', 'indicator'])
        .orderBy('kind')
        .orderBy('indicator')
        .execute();
      return rows.map((row) => ({
        kind: row.kind,
        indicator: row.indicator,
        confirmed: Number(row.confirmed),
        falsePositives: Number(row.false_positives),
      }));
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
