/**
 * SQL for per-staff quota overrides, as `QuotaOverride`s (quota-overrides.types.ts). What quotas count is
 * read from the ledger, not stored here.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { QuotaOverride } from './quota-overrides.types.ts';

export function createQuotaOverrideStore(db: Kysely<Database>) {
  return {
    /** The overrides of `staffId` in force at `now` (a raise ends at its expiry). */
    async overrides(staffId: string, now: number): Promise<QuotaOverride[]> {
      const rows = await db
        .selectFrom('quota_overrides')
        .selectAll()
        .where('staff_id', '=', staffId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .execute();
      return rows.map((row) => ({
        staffId: row.staff_id,
        quota: row.quota,
        max: Number(row.max),
        setBy: row.set_by,
        setAt: Number(row.set_at),
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      }));
    },

    async setOverride(override: QuotaOverride): Promise<void> {
      await db
        .insertInto('quota_overrides')
        .values({
          staff_id: override.staffId,
          quota: override.quota,
          max: override.max,
          set_by: override.setBy,
          set_at: override.setAt,
          expires_at: override.expiresAt,
        })
        .onConflict((oc) =>
          oc.columns(['staff_id', 'quota']).doUpdateSet({
            max: override.max,
            set_by: override.setBy,
            set_at: override.setAt,
            expires_at: override.expiresAt,
          }),
        )
        .execute();
    },
  };
}

export type QuotaOverrideStore = ReturnType<typeof createQuotaOverrideStore>;
