/**
 * SQL for pre-authentication challenge records. Records are found by the SHA-256 of the client's handle and
 * taken at most once: `take` is a single conditional UPDATE … RETURNING, so two requests racing with one
 * handle cannot both win, on SQLite or PostgreSQL.
 */
import type { Kysely } from 'kysely';
import { tokenHash } from '../../crypto/token-hash.ts';
import type { Database } from '../../platform/database/schema.ts';

export interface NewAuthChallenge {
  purpose: string;
  /** JSON text. */
  data: string;
  createdAt: number;
  expiresAt: number;
}

export function createAuthChallengeStore(db: Kysely<Database>) {
  return {
    async insert(handle: string, row: NewAuthChallenge): Promise<void> {
      await db
        .insertInto('auth_challenges')
        .values({
          id: tokenHash(handle),
          purpose: row.purpose,
          data: row.data,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
          used_at: null,
        })
        .execute();
    },

    /**
     * Mark the record for `handle` used and return its data — only if it exists, is for `purpose`, was not
     * used before and has not expired at `now`. Undefined otherwise, whichever the reason.
     */
    async take(handle: string, purpose: string, now: number): Promise<string | undefined> {
      const row = await db
        .updateTable('auth_challenges')
        .set({ used_at: now })
        .where('id', '=', tokenHash(handle))
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('data')
        .executeTakeFirst();
      return row?.data;
    },

    /** Forget records that expired at or before `now` (used or not); returns how many. */
    async deleteExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('auth_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type AuthChallengeStore = ReturnType<typeof createAuthChallengeStore>;
