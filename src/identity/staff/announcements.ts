/**
 * Announcements: every approval (a policy change, an export, a reveal approval, a quota raise, a privileged
 * role) is announced to the rest of the approving role, who read them at `GET /v1/announcements`. Four
 * eyes then have witnesses: an approval between two colluding colleagues is in front of every other
 * colleague of the role the moment it is made (and in the ledger, as the act itself). Announcements name
 * staff and subjects by id only.
 */
import type { Clock } from '../../platform/clock.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { AnnouncementStore } from './announcements.store.ts';
import type { Announcement } from './announcements.types.ts';

export type { Announcement };
import type { StaffRole } from './staff.types.ts';

export interface AnnouncementView extends Omit<Announcement, 'createdAt'> {
  createdAt: string;
}

export interface Announcements {
  /** Announce an approval to `role` (the approver's own role). */
  announce(input: {
    role: StaffRole;
    kind: string;
    subjectId: string;
    requestedBy: string | null;
    decidedBy: string;
  }): Promise<void>;
  /** What the rest of the caller's role approved lately, newest first (never the caller's own). */
  forMember(member: { staffId: string; role: StaffRole }): Promise<AnnouncementView[]>;
}

export function createAnnouncements(deps: { store: AnnouncementStore; clock: Clock }): Announcements {
  const { store, clock } = deps;
  return {
    async announce(input) {
      const now = clock.now();
      await store.insert({ id: uuidv7(now), ...input, createdAt: now });
    },
    async forMember(member) {
      const rows = await store.forRole(member.role, member.staffId, 200);
      return rows.map((a) => ({ ...a, createdAt: new Date(a.createdAt).toISOString() }));
    },
  };
}
