/**
 * SQL for per-staff quota overrides, as `QuotaOverride`s (quota-overrides.types.ts). What quotas count is
 * read from the ledger, not stored here.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { QuotaOverride } from './quota-overrides.types.ts';
import type { ChangeVersions } from '../../platform/cache/change-versions.ts';
import { createVersionedCache } from '../../platform/cache/versioned-cache.ts';

export function createQuotaOverrideStore(db: Kysely<Database>) {
  return {
    /** Every override of `staffId`, lapsed raises included (quotas.ts keeps those in force). */
    async overridesOf(staffId: string): Promise<QuotaOverride[]> {
      const rows = await db
        .selectFrom('quota_overrides')
        .selectAll()
        .where('staff_id', '=', staffId)
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

/** The store with each member's overrides kept in memory until `quota_overrides` changes. */
export function withOverrideCache(store: QuotaOverrideStore, changes: ChangeVersions): QuotaOverrideStore {
  const cache = createVersionedCache<QuotaOverride[]>(changes, ['quota_overrides']);
  return {
    ...store,
    overridesOf: async (staffId) => (await cache.get(staffId, () => store.overridesOf(staffId))) ?? [],
  };
}
