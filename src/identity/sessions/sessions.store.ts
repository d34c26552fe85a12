/** SQL for sessions: looked up by token hash together with their account's status. */
import type { Kysely } from 'kysely';
import type { Database, SessionsTable } from '../../platform/database/schema.ts';

export function createSessionStore(db: Kysely<Database>) {
  return {
    async insert(row: SessionsTable): Promise<void> {
      await db.insertInto('sessions').values(row).execute();
    },

    /** The session with its account's status and subject, in one read. */
    async byTokenHash(
      hash: Buffer,
    ): Promise<(SessionsTable & { account_status: string; subject_id: string }) | undefined> {
      return db
        .selectFrom('sessions')
        .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
        .selectAll('sessions')
        .select(['accounts.status as account_status', 'accounts.subject_id'])
        .where('sessions.token_hash', '=', hash)
        .executeTakeFirst();
    },

    async touch(hash: Buffer, at: number): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: at }).where('token_hash', '=', hash).execute();
    },

    async markStepUp(hash: Buffer, at: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ step_up_at: at, last_seen_at: at })
        .where('token_hash', '=', hash)
        .execute();
    },

    async revoke(hash: Buffer, at: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Revoke every live session of an account; returns how many. */
    async revokeAll(accountId: string, at: number): Promise<number> {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
