/** SQL for the staff directory: who works with customers, in which role, region, site and shift. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, StaffTable } from '../../platform/database/schema.ts';
import type { StaffMember, StaffRole, StaffStatus } from './staff.types.ts';

type Db = Kysely<Database> | Transaction<Database>;

function toMember(row: StaffTable): StaffMember {
  return {
    id: row.id,
    displayName: row.display_name,
    email: row.email,
    role: row.role as StaffRole,
    region: row.region,
    site: row.site,
    managerId: row.manager_id,
    shift: row.shift,
    status: row.status as StaffStatus,
    createdAt: Number(row.created_at),
  };
}

/** A staff member's row; the SSO store provisions staff with it too. */
export function toStaffRow(member: StaffMember): StaffTable {
  return {
    id: member.id,
    display_name: member.displayName,
    email: member.email,
    role: member.role,
    region: member.region,
    site: member.site,
    manager_id: member.managerId,
    shift: member.shift,
    status: member.status,
    created_at: member.createdAt,
  };
}

export function createStaffStore(db: Kysely<Database>) {
  return {
    async insertStaff(members: StaffMember[], trx: Db = db): Promise<void> {
      if (members.length > 0) await trx.insertInto('staff').values(members.map(toStaffRow)).execute();
    },
    async byId(id: string): Promise<StaffMember | undefined> {
      const row = await db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toMember(row);
    },
  };
}

export type StaffStore = ReturnType<typeof createStaffStore>;
