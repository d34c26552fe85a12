/**
 * Who is asking, for access decisions: the staff member behind a session, with the role the directory holds
 * now (read on every request, so a role change or a suspension in the directory counts at once).
 */
import type { Session } from './sessions.ts';
import type { StaffRole, StaffStore } from '../staff/staff.store.ts';
import type { Actor } from '../../platform/actor.ts';
import { CustosError } from '../../platform/errors.ts';

export interface StaffPrincipal {
  staffId: string;
  role: StaffRole;
  actor: Actor;
  /** The session the request came with: step-up freshness is read from it. */
  session: Session;
}

export function createPrincipals(deps: { staff: Pick<StaffStore, 'byId'> }) {
  return async function principalOf(session: Session): Promise<StaffPrincipal> {
    if (session.realm !== 'staff' || session.actor.type !== 'staff') {
      throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
    }
    const row = await deps.staff.byId(session.actor.id);
    if (!row || row.status !== 'active') {
      throw new CustosError('ACCOUNT_SUSPENDED', 'This account cannot act');
    }
    return { staffId: row.id, role: row.role as StaffRole, actor: session.actor, session };
  };
}

export type PrincipalOf = ReturnType<typeof createPrincipals>;
