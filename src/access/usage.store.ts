/**
 * SQL for what quotas count: reveals (distinct customers per staff member over a window) and searches, and
 * the per-staff quota overrides. A reveal row is also the customer's "who saw my data, and why" record.
 */
import type { Kysely } from 'kysely';
import type { AccessRevealsTable, Database, QuotaOverridesTable } from '../platform/database/schema.ts';

export function createUsageStore(db: Kysely<Database>) {
  return {
    async insertReveal(row: AccessRevealsTable): Promise<void> {
      await db.insertInto('access_reveals').values(row).execute();
    },

    /** The customers a staff member revealed since `since`, with when: what reveal quotas count. */
    async revealsSince(staffId: string, since: number): Promise<Array<{ customer_id: string; at: number }>> {
      const rows = await db
        .selectFrom('access_reveals')
        .select(['customer_id', 'at'])
        .where('staff_id', '=', staffId)
        .where('at', '>=', since)
        .execute();
      return rows.map((r) => ({ customer_id: r.customer_id, at: Number(r.at) }));
    },

    async insertSearch(staffId: string, at: number): Promise<void> {
      await db.insertInto('access_searches').values({ staff_id: staffId, at }).execute();
    },

    async searchesSince(staffId: string, since: number): Promise<number> {
      const row = await db
        .selectFrom('access_searches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('staff_id', '=', staffId)
        .where('at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async overrides(staffId: string): Promise<QuotaOverridesTable[]> {
      return db.selectFrom('quota_overrides').selectAll().where('staff_id', '=', staffId).execute();
    },

    async setOverride(row: QuotaOverridesTable): Promise<void> {
      await db
        .insertInto('quota_overrides')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['staff_id', 'quota'])
            .doUpdateSet({ max: row.max, set_by: row.set_by, set_at: row.set_at }),
        )
        .execute();
    },

    /** A customer's reveals, newest first: for their access history. */
    async revealsOf(customerId: string, limit: number): Promise<AccessRevealsTable[]> {
      return db
        .selectFrom('access_reveals')
        .selectAll()
        .where('customer_id', '=', customerId)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type UsageStore = ReturnType<typeof createUsageStore>;
