/** SQL for admin API tokens, kept only as SHA-256 hashes, as `ApiTokenRecord`s (api-tokens.types.ts). */
import type { Kysely } from 'kysely';
import type { ApiTokensTable, Database } from '../../platform/database/schema.ts';
import type { ApiTokenRecord } from './api-tokens.types.ts';

const toRecord = (row: ApiTokensTable): ApiTokenRecord => ({
  id: row.id,
  label: row.label,
  tokenHash: row.token_hash,
  createdAt: Number(row.created_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
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
        })
        .execute();
    },
    async activeByHash(hash: Buffer): Promise<ApiTokenRecord | undefined> {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row && toRecord(row);
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
