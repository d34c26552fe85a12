/** SQL for security alerts: raised by access (break-glass now, the watcher later), triaged by security. */
import type { Kysely } from 'kysely';
import type { AlertsTable, Database } from '../platform/database/schema.ts';

export function createAlertStore(db: Kysely<Database>) {
  return {
    async insert(row: AlertsTable): Promise<void> {
      await db.insertInto('alerts').values(row).execute();
    },
    async open(limit: number): Promise<AlertsTable[]> {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('acknowledged_at', 'is', null)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
