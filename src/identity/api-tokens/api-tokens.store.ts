/** SQL for admin API tokens, kept only as SHA-256 hashes. */
import type { Kysely } from 'kysely';
import type { ApiTokensTable, Database } from '../../platform/database/schema.ts';

export function createApiTokenStore(db: Kysely<Database>) {
  return {
    async insert(row: ApiTokensTable): Promise<void> {
      await db.insertInto('api_tokens').values(row).execute();
    },
    async activeByHash(hash: Buffer): Promise<ApiTokensTable | undefined> {
      return db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
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
