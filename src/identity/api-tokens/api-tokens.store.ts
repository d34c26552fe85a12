/** SQL for admin API tokens, kept only as SHA-256 hashes, as `ApiTokenRecord`s (api-tokens.types.ts). */
import type { Kysely } from 'kysely';
import type { ApiTokensTable, Database } from '../../platform/database/schema.ts';
import { type ApiTokenScope, apiTokenScopes } from '../../platform/route-auth.ts';
import type { ApiTokenKind, ApiTokenRecord } from './api-tokens.types.ts';

const toRecord = (row: ApiTokensTable): ApiTokenRecord => ({
  id: row.id,
  label: row.label,
  tokenHash: row.token_hash,
  createdAt: Number(row.created_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  kind: row.kind as ApiTokenKind,
  ownerStaffId: row.owner_staff_id,
  // An unknown word in the column (a direct edit) grants nothing.
  scopes: row.scopes
    .split(' ')
    .filter((s): s is ApiTokenScope => (apiTokenScopes as readonly string[]).includes(s)),
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
});

export function createApiTokenStore(db: Kysely<Database>) {
  return {
    async insert(token: ApiTokenRecord): Promise<void> {
      await db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          label: token.label,
          token_hash: token.tokenHash,
          created_at: token.createdAt,
          revoked_at: token.revokedAt,
          kind: token.kind,
          owner_staff_id: token.ownerStaffId,
          scopes: token.scopes.join(' '),
          expires_at: token.expiresAt,
        })
        .execute();
    },
    /** The token with this hash if it is neither revoked nor expired at `now`. */
    async activeByHash(hash: Buffer, now: number): Promise<ApiTokenRecord | undefined> {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async byId(id: string): Promise<ApiTokenRecord | undefined> {
      const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },
    /** Tokens not revoked and not expired at `now`, newest first. */
    async active(now: number): Promise<ApiTokenRecord[]> {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .limit(500)
        .execute();
      return rows.map(toRecord);
    },
    /** The ids of a staff member's tokens not yet revoked (expired ones too: revoking them costs nothing). */
    async unrevokedOwnedBy(staffId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('api_tokens')
        .select('id')
        .where('owner_staff_id', '=', staffId)
        .where('revoked_at', 'is', null)
        .execute();
      return rows.map((r) => r.id);
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type ApiTokenStore = ReturnType<typeof createApiTokenStore>;
