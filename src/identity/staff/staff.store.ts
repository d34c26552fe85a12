/** SQL for the staff directory: who works with customers, in which role, region, site and shift. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, StaffTable } from '../../platform/database/schema.ts';
import type { StaffMember, StaffRole, StaffStatus } from './staff.types.ts';
import type { ChangeVersions } from '../../platform/cache/change-versions.ts';
import { createVersionedCache } from '../../platform/cache/versioned-cache.ts';

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
    invitedBy: row.invited_by,
    roleApprovedBy: row.role_approved_by,
    roleGrantedAt: row.role_granted_at === null ? null : Number(row.role_granted_at),
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
    invited_by: member.invitedBy ?? null,
    role_approved_by: member.roleApprovedBy ?? null,
    role_granted_at: member.roleGrantedAt ?? null,
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
    /** The staff member with this (normalised) work email, or undefined. */
    async byEmail(email: string): Promise<StaffMember | undefined> {
      const row = await db.selectFrom('staff').selectAll().where('email', '=', email).executeTakeFirst();
      return row && toMember(row);
    },
    /** A new role, granted at `at` (no second administrator: callers allow only non-privileged roles). */
    async setRole(staffId: string, role: StaffRole, at: number): Promise<void> {
      await db
        .updateTable('staff')
        .set({ role, role_granted_at: at, role_approved_by: null })
        .where('id', '=', staffId)
        .execute();
    },
    /** Employment ended: the member acts nothing again, whatever their account's status becomes. */
    async endEmployment(staffId: string): Promise<void> {
      await db.updateTable('staff').set({ status: 'suspended' }).where('id', '=', staffId).execute();
    },
    /** Staff invited to a privileged role and waiting for a second administrator, oldest first. */
    async pendingApproval(): Promise<StaffMember[]> {
      const rows = await db
        .selectFrom('staff')
        .selectAll()
        .where('status', '=', 'pending_approval')
        .orderBy('created_at')
        .limit(200)
        .execute();
      return rows.map(toMember);
    },
    /** Pending → active, approved by `approvedBy`, granted at `at`; false if it was no longer pending. */
    async approveRole(staffId: string, approvedBy: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('staff')
        .set({ status: 'active', role_approved_by: approvedBy, role_granted_at: at })
        .where('id', '=', staffId)
        .where('status', '=', 'pending_approval')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Pending → suspended (a refused grant never acts); false if it was no longer pending. */
    async rejectRole(staffId: string): Promise<boolean> {
      const result = await db
        .updateTable('staff')
        .set({ status: 'suspended' })
        .where('id', '=', staffId)
        .where('status', '=', 'pending_approval')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type StaffStore = ReturnType<typeof createStaffStore>;

/** The store with members by id kept in memory until `staff` changes (a role, a status, a site). */
export function withStaffCache(store: StaffStore, changes: ChangeVersions): StaffStore {
  const cache = createVersionedCache<StaffMember>(changes, ['staff']);
  return { ...store, byId: (id) => cache.get(id, () => store.byId(id)) };
}
