/**
 * SQL for sessions, as `StoredSession`s (sessions.types.ts): looked up by token hash together with their
 * account's status.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { Realm, SessionWithAccount, StoredSession } from './sessions.types.ts';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

export function createSessionStore(db: Kysely<Database>) {
  return {
    async insert(session: StoredSession): Promise<void> {
      await db
        .insertInto('sessions')
        .values({
          token_hash: session.tokenHash,
          id: session.id,
          account_id: session.accountId,
          realm: session.realm,
          csrf_hash: session.csrfHash,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          second_factor_at: session.secondFactorAt,
          step_up_at: session.stepUpAt,
          revoked_at: session.revokedAt,
        })
        .execute();
    },

    /** The session with its account's status and subject, in one read. */
    async byTokenHash(hash: Buffer): Promise<SessionWithAccount | undefined> {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
        .selectAll('sessions')
        .select(['accounts.status as account_status', 'accounts.subject_id'])
        .where('sessions.token_hash', '=', hash)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        tokenHash: row.token_hash,
        id: row.id,
        accountId: row.account_id,
        realm: row.realm as Realm,
        csrfHash: row.csrf_hash,
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        expiresAt: Number(row.expires_at),
        secondFactorAt: orNull(row.second_factor_at),
        stepUpAt: orNull(row.step_up_at),
        revokedAt: orNull(row.revoked_at),
        accountStatus: row.account_status,
        subjectId: row.subject_id,
      };
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

    /** Use up the step-up made at `at`; false when it was already used (or replaced) by another request. */
    async spendStepUp(hash: Buffer, at: number): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ step_up_at: null })
        .where('token_hash', '=', hash)
        .where('step_up_at', '=', at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
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
