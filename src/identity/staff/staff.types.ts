/**
 * The staff directory's vocabulary: the closed set of roles every policy, quota and watcher decision is
 * about, and a staff member as other modules see one (camelCase, no storage details).
 */

export const staffRoles = ['store', 'support', 'contractor', 'marketing', 'security', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

export function isStaffRole(value: string): value is StaffRole {
  return (staffRoles as readonly string[]).includes(value);
}

/** The roles that approve others' acts; granting one needs two administrators (or the IdP's mapping). */
export const privilegedRoles: readonly StaffRole[] = ['admin', 'security'];

export function isPrivilegedRole(role: string): boolean {
  return (privilegedRoles as readonly string[]).includes(role);
}

/** `pending_approval`: invited to a privileged role, acting nothing until a second administrator approves. */
export type StaffStatus = 'active' | 'suspended' | 'pending_approval';

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
  /** The staff member who invited this one; null (or absent) for the operator, the IdP or the demo. */
  invitedBy?: string | null;
  /** The second administrator who approved a privileged role. */
  roleApprovedBy?: string | null;
  /** When the current role was granted; absent: at `createdAt`. */
  roleGrantedAt?: number | null;
}
