/** SQL for the staff directory: who works with customers, in which role, region, site and shift. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, StaffTable } from '../../platform/database/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const staffRoles = ['store', 'support', 'contractor', 'marketing', 'security', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

export function createStaffStore(db: Kysely<Database>) {
  return {
    async insertStaff(rows: StaffTable[], trx: Db = db): Promise<void> {
      if (rows.length > 0) await trx.insertInto('staff').values(rows).execute();
    },
    async byId(id: string): Promise<StaffTable | undefined> {
      return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}

export type StaffStore = ReturnType<typeof createStaffStore>;
