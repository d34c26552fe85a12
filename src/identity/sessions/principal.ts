/**
 * Who is asking, for access decisions: the staff member behind a session, with the role the directory holds
 * now (read on every request, so a role change or a suspension in the directory counts at once) and, where
 * the installation requires training, their record of the course (read on every request too: a renewal or
 * an expiry counts at once).
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../platform/actor.ts';
import { CustosError } from '../../platform/errors.ts';
import type { StaffDirectory } from '../staff/staff-directory.ts';
import type { StaffMember, StaffRole } from '../staff/staff.types.ts';
import type { TrainingStatus } from '../staff/training.types.ts';
import type { Session } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member behind the request, set by a module's staff route plugin (see `staffPrincipalHook`). */
    principal?: StaffPrincipal | null;
  }
}

export interface StaffPrincipal {
  staffId: string;
  role: StaffRole;
  /** Where the staff member works, as the directory holds it now. */
  region: string;
  site: string;
  actor: Actor;
  /** The session the request came with: step-up freshness is read from it. */
  session: Session;
  /** Where training is required: the member's record of the course (the access gate decides on it). */
  training?: TrainingStatus;
}

export function createPrincipals(deps: {
  staff: Pick<StaffDirectory, 'member'>;
  /** Set when training is required: the course, and a member's standing in it. */
  training?: { course: string; statusOf(staffId: string, course: string): Promise<TrainingStatus> };
}) {
  return async function principalOf(session: Session): Promise<StaffPrincipal> {
    if (session.realm !== 'staff' || session.actor.type !== 'staff') {
      throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
    }
    const member: StaffMember | undefined = await deps.staff.member(session.actor.id);
    // Invited to a privileged role and not yet approved by a second administrator: acts nothing.
    if (member?.status === 'pending_approval') {
      throw new CustosError(
        'ROLE_PENDING_APPROVAL',
        'Your role waits for a second administrator to approve it',
      );
    }
    if (member?.status !== 'active') throw new CustosError('ACCOUNT_SUSPENDED', 'This account cannot act');
    return {
      staffId: member.id,
      role: member.role,
      region: member.region,
      site: member.site,
      actor: session.actor,
      session,
      ...(deps.training ? { training: await deps.training.statusOf(member.id, deps.training.course) } : {}),
    };
  };
}

export type PrincipalOf = ReturnType<typeof createPrincipals>;

/** The staff member behind an authenticated request; a route without the principal hook fails here, closed. */
export function principalOf(request: FastifyRequest): StaffPrincipal {
  if (!request.principal) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.principal;
}
