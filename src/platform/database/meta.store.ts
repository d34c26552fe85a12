/** SQL for installation facts (when it was initialised, whether the demo was seeded). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export function createMetaStore(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<string | undefined> {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    /** Set a key once; false if it was already set (so two initialisers cannot both win). */
    async setOnce(key: string, value: string): Promise<boolean> {
      const result = await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
