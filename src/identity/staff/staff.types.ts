/**
 * The staff directory's vocabulary: the closed set of roles every policy, quota and watcher decision is
 * about, and a staff member as other modules see one (camelCase, no storage details).
 */

export const staffRoles = ['store', 'support', 'contractor', 'marketing', 'security', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

export function isStaffRole(value: string): value is StaffRole {
  return (staffRoles as readonly string[]).includes(value);
}

export type StaffStatus = 'active' | 'suspended';

export interface StaffMember {
  id: string;
  displayName: string;
  email: string;
  role: StaffRole;
  region: string;
  site: string;
  managerId: string | null;
  shift: string;
  status: StaffStatus;
  /** Epoch milliseconds. */
  createdAt: number;
}
