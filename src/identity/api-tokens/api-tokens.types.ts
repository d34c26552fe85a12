/** An admin API token as stored, in the tokens service's words: only its SHA-256, never the token itself. */
import type { ApiTokenScope } from '../../platform/route-auth.ts';

/**
 * `operator`: the host operator's (the first token at setup, `custos token create`), acting for no staff
 * member. `staff`: created over the API by a staff member and acting for them (their invitation chain).
 */
export type ApiTokenKind = 'operator' | 'staff';

export interface ApiTokenRecord {
  id: string;
  label: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: Buffer;
  createdAt: number;
  revokedAt: number | null;
  kind: ApiTokenKind;
  ownerStaffId: string | null;
  scopes: ApiTokenScope[];
  /** Null: no expiry (only the first operator token, which loses `setup` when setup ends). */
  expiresAt: number | null;
}
