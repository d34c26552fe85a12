/**
 * The staff directory as other modules use it: look a staff member up (role, region, site, shift, status
 * as the directory holds them now), add members (invitations, the demo organisation, HR feeds) and ask what
 * HR has said of one (`hrStatus`: hired, resignation notice). Other modules never read identity's tables;
 * they call this.
 */
import { isUuid } from '../../platform/ids.ts';
import type { HrSignalStore } from './hr-signals.store.ts';
import type { HrStatus } from './hr-signals.types.ts';
import type { StaffStore } from './staff.store.ts';
import type { StaffMember } from './staff.types.ts';

export interface StaffDirectory {
  /** The staff member with this id, or undefined (also for an id that is not a UUID). */
  member(staffId: string): Promise<StaffMember | undefined>;
  /** The staff member with this id if their account may act now (active), else undefined. */
  activeMember(staffId: string): Promise<StaffMember | undefined>;
  /** Add staff members, in the caller's transaction if given. */
  add(members: StaffMember[], trx?: Parameters<StaffStore['insertStaff']>[1]): Promise<void>;
  /** When HR last reported the member hired and their resignation notice (nulls for an unknown id). */
  hrStatus(staffId: string): Promise<HrStatus>;
}

export function createStaffDirectory(deps: {
  store: StaffStore;
  hrSignals: Pick<HrSignalStore, 'status'>;
}): StaffDirectory {
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
    hrStatus: async (staffId) =>
      isUuid(staffId) ? deps.hrSignals.status(staffId) : { resignationNoticeAt: null, hiredAt: null },
  };
}
