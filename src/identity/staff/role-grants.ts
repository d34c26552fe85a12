/**
 * Privileged roles (admin, security) are granted by two administrators, or by the IdP's group mapping.
 * A staff member invited to one by an administrator's token waits (`pending_approval`, acting nothing)
 * until a second administrator, independent of the inviter (`independence.ts`), approves; the approval is
 * ledgered ahead and announced to the other administrators.
 *
 * Setup: on a new installation the operator's tokens (no staff member behind them) make the first
 * administrators. Setup ends when the operator says so (`POST /v1/setup/complete`) or when the setup
 * window after initialisation has passed, whichever comes first; either is ledgered (`setup.closed`), and
 * from then on an operator token can no longer grant a privileged role at all.
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { MetaStore } from '../../platform/database/meta.store.ts';
import { CustosError } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { StaffPrincipal } from '../sessions/principal.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { Announcements } from './announcements.ts';
import type { Independence } from './independence.ts';
import type { StaffStore } from './staff.store.ts';
import type { StaffMember, StaffRole } from './staff.types.ts';

type RoleGrantDecider = Pick<StaffPrincipal, 'staffId' | 'role' | 'actor' | 'session'>;

export interface PendingGrantView {
  staffId: string;
  role: StaffRole;
  invitedBy: string | null;
  invitedAt: string;
}

export function createRoleGrants(deps: {
  store: Pick<StaffStore, 'byId' | 'pendingApproval' | 'approveRole' | 'rejectRole'>;
  meta: MetaStore;
  independence: Independence;
  announcements: Pick<Announcements, 'announce'>;
  ledger: Pick<Ledger, 'record' | 'append'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  clock: Clock;
  setupWindowMs: number;
}) {
  const { store, meta, ledger, clock } = deps;

  function requireAdmin(p: RoleGrantDecider): void {
    if (p.role !== 'admin') throw new CustosError('FORBIDDEN', 'Only an administrator decides on roles');
  }

  async function closeOnce(by: Actor, how: 'completed' | 'window_elapsed'): Promise<void> {
    if (await meta.get('setup_closed_at')) return;
    await ledger.record({ type: 'setup.closed', actor: actorRef(by), data: { how } }, async () => {
      await meta.setOnce('setup_closed_at', new Date(clock.now()).toISOString());
    });
  }

  return {
    /** Is setup still open (the operator may make administrators)? Records its end when the window passed. */
    async setupOpen(): Promise<boolean> {
      if (await meta.get('setup_closed_at')) return false;
      const initialised = await meta.get('initialised_at');
      if (initialised && clock.now() >= Date.parse(initialised) + deps.setupWindowMs) {
        await closeOnce({ type: 'system', id: 'setup' }, 'window_elapsed');
        return false;
      }
      return true;
    },

    /** The operator ends setup now (ledgered); idempotent. */
    async completeSetup(by: Actor): Promise<void> {
      await closeOnce(by, 'completed');
    },

    /** Staff waiting for a second administrator (administrators only). */
    async pending(p: RoleGrantDecider): Promise<PendingGrantView[]> {
      requireAdmin(p);
      return (await store.pendingApproval()).map((m) => ({
        staffId: m.id,
        role: m.role,
        invitedBy: m.invitedBy ?? null,
        invitedAt: new Date(m.createdAt).toISOString(),
      }));
    },

    /**
     * A second administrator decides on a pending privileged role: never the inviter, nor anyone on the
     * inviter's chain or the invitee's, nor an administrator still cooling off.
     */
    async decide(p: RoleGrantDecider, staffId: string, approve: boolean): Promise<void> {
      deps.sessions.requireStepUp(p.session);
      requireAdmin(p);
      const member: StaffMember | undefined = isUuid(staffId) ? await store.byId(staffId) : undefined;
      if (!member) throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
      if (member.status !== 'pending_approval') {
        throw new CustosError('APPROVAL_NOT_PENDING', 'This role is not waiting for approval');
      }
      const requestedBy = member.invitedBy ?? null;
      // Refusing needs no independence (the inviter may withdraw); granting does.
      if (approve) await deps.independence.assertIndependent(p.staffId, [requestedBy, member.id]);
      await ledger.record(
        {
          type: 'staff.role_decided',
          actor: actorRef(p.actor),
          data: { staffId, role: member.role, requestedBy, approved: approve },
        },
        async () => {
          const done = approve
            ? await store.approveRole(staffId, p.staffId, clock.now())
            : await store.rejectRole(staffId);
          if (!done) throw new CustosError('APPROVAL_NOT_PENDING', 'This role is not waiting for approval');
          if (approve) {
            await deps.announcements.announce({
              role: 'admin',
              kind: 'staff.role_approved',
              subjectId: staffId,
              requestedBy,
              decidedBy: p.staffId,
            });
          }
        },
      );
    },
  };
}

export type RoleGrants = ReturnType<typeof createRoleGrants>;
