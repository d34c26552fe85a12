/**
 * The staff directory as other modules use it: look a staff member up (role, region, site, shift, status
 * as the directory holds them now) and add members (invitations, the demo organisation, HR feeds). Other
 * modules never read identity's tables; they call this.
 */
import { isUuid } from '../../platform/ids.ts';
import type { StaffStore } from './staff.store.ts';
import type { StaffMember } from './staff.types.ts';

export interface StaffDirectory {
  /** The staff member with this id, or undefined (also for an id that is not a UUID). */
  member(staffId: string): Promise<StaffMember | undefined>;
  /** The staff member with this id if their account may act now (active), else undefined. */
  activeMember(staffId: string): Promise<StaffMember | undefined>;
  /** Add staff members, in the caller's transaction if given. */
  add(members: StaffMember[], trx?: Parameters<StaffStore['insertStaff']>[1]): Promise<void>;
}

export function createStaffDirectory(deps: { store: StaffStore }): StaffDirectory {
  const { store } = deps;
  async function member(staffId: string): Promise<StaffMember | undefined> {
    return isUuid(staffId) ? store.byId(staffId) : undefined;
  }
  return {
    member,
    async activeMember(staffId) {
      const found = await member(staffId);
      return found?.status === 'active' ? found : undefined;
    },
    add: (members, trx) => store.insertStaff(members, trx),
  };
}
