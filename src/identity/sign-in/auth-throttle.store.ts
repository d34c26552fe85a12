/** SQL for sign-in back-off state (keys arrive keyed-hashed by the throttle: never a login or an address). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { ThrottleState, ThrottleStore } from './throttle.ts';

export function createThrottleStore(db: Kysely<Database>): ThrottleStore {
  return {
    async get(key: string): Promise<ThrottleState | undefined> {
      const row = await db.selectFrom('auth_throttle').selectAll().where('key', '=', key).executeTakeFirst();
      return row ? { failures: row.failures, nextAllowedAt: row.next_allowed_at } : undefined;
    },
    async set(key: string, value: ThrottleState): Promise<void> {
      await db
        .insertInto('auth_throttle')
        .values({ key, failures: value.failures, next_allowed_at: value.nextAllowedAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({ failures: value.failures, next_allowed_at: value.nextAllowedAt }),
        )
        .execute();
    },
    async claimReport(key: string, until: number): Promise<boolean> {
      const result = await db
        .updateTable('auth_throttle')
        .set({ reported_until: until })
        .where('key', '=', key)
        .where((eb) => eb.or([eb('reported_until', 'is', null), eb('reported_until', '<>', until)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async delete(key: string): Promise<void> {
      await db.deleteFrom('auth_throttle').where('key', '=', key).execute();
    },
  };
}
