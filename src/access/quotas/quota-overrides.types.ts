/** A per-staff quota override as stored, in the quotas' words (quota-overrides.store.ts maps its row). */

export interface QuotaOverride {
  staffId: string;
  /** e.g. `reveal_day`, `search_hour`. */
  quota: string;
  max: number;
  /** Staff id of who set it. */
  setBy: string;
  setAt: number;
  /** When an approved raise ends; null for a limit at or below the role's default. */
  expiresAt: number | null;
}
