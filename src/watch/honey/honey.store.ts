/** SQL for honey records: keyed marks and seeded commitments (honey.service.ts says what they mean). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import type { HoneyCommitment } from './honey.types.ts';

export function createHoneyStore(db: Kysely<Database>) {
  return {
    async marks(): Promise<Buffer[]> {
      return (await db.selectFrom('honey_marks').select('mark').execute()).map((row) =>
        Buffer.from(row.mark),
      );
    },

    /** Store a seeded set's marks and its commitment in one transaction. */
    async insertSet(marks: Buffer[], commitment: HoneyCommitment): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (marks.length > 0)
          await trx
            .insertInto('honey_marks')
            .values(marks.map((mark) => ({ mark })))
            .execute();
        await trx
          .insertInto('honey_commitments')
          .values({
            id: commitment.id,
            created_at: commitment.createdAt,
            count: commitment.count,
            salt: commitment.salt,
            commitment: commitment.commitment,
          })
          .execute();
      });
    },
  };
}

export type HoneyStore = ReturnType<typeof createHoneyStore>;
