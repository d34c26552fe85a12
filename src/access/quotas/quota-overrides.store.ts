/** SQL for per-staff quota overrides (what quotas count is read from the ledger, not stored here). */
import type { Kysely } from 'kysely';
import type { Database, QuotaOverridesTable } from '../../platform/database/schema.ts';

export function createQuotaOverrideStore(db: Kysely<Database>) {
  return {
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
  };
}

export type QuotaOverrideStore = ReturnType<typeof createQuotaOverrideStore>;
