/**
 * HR signals: the HR system tells Custos about staff through an integration endpoint with its own API token
 * (`hr` scope, minted by an administrator). Each accepted signal is ledgered (`hr.signal`) before its effect,
 * stored, and published on the bus for the watcher:
 *
 * - `termination`: the account is suspended at once (every session ends), the member acts nothing again
 *   (directory status), and every API token they own is revoked;
 * - `leave_start`: an active account goes on leave (`STAFF_ON_LEAVE` on sign-in and every request);
 *   `leave_end` makes it active again only if it is still on leave — a suspension by the watcher or by
 *   security, made before or during the leave, is never lifted by HR;
 * - `role_change`: to a non-privileged role at once, every session ended so the new role applies; a
 *   privileged role (admin, security) is refused with `ROLE_NEEDS_APPROVAL` and the attempt ledgered, since
 *   those need two administrators;
 * - `hired`, `resignation_notice`: recorded only (the watcher weighs them);
 * - `training_completed`: a training record (course, completed at `effectiveAt`, `expiresAt`), ledgered and
 *   stored by training.service.ts — never about the HR token's own owner (SAME_PERSON).
 *
 * A replay (the same member, kind, role and effective time as an accepted signal) answers the first
 * signal's id and does nothing again.
 */
import { normaliseEmail } from '../../crypto/normalise.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, type FieldProblem, validationFailed } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { ApiTokenGrant, ApiTokens } from '../api-tokens/api-tokens.ts';
import type { AccountStore } from '../accounts/accounts.store.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { HrSignalStore } from './hr-signals.store.ts';
import type { HrSignalKind, HrSignalRecord } from './hr-signals.types.ts';
import type { StaffStore } from './staff.store.ts';
import type { Training } from './training.service.ts';
import { isPrivilegedRole, type StaffMember, type StaffRole } from './staff.types.ts';

/** What the HR system reports: who (by staff id or work email, exactly one), what, and from when. */
export interface HrSignalInput {
  staffId?: string;
  email?: string;
  signal: HrSignalKind;
  /** The new role; required for `role_change`, refused for any other signal. */
  role?: StaffRole;
  /** Epoch ms; now when absent. */
  effectiveAt?: number;
  /** `training_completed` only (required there): the course and when it expires (epoch ms). */
  course?: string;
  expiresAt?: number;
}

export function createHrSignals(deps: {
  store: HrSignalStore;
  staff: Pick<StaffStore, 'byId' | 'byEmail' | 'setRole' | 'endEmployment'>;
  accounts: Pick<Accounts, 'suspendStaff' | 'startLeave' | 'endLeave'>;
  accountStore: Pick<AccountStore, 'bySubject'>;
  apiTokens: Pick<ApiTokens, 'revokeOwnedBy'>;
  sessions: Pick<Sessions, 'revokeAll'>;
  ledger: Pick<Ledger, 'record' | 'append'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
  training: Pick<Training, 'recordFromHr'>;
}) {
  const { store, staff, ledger, clock } = deps;

  function check(input: HrSignalInput): void {
    const problems: FieldProblem[] = [];
    if ((input.staffId === undefined) === (input.email === undefined))
      problems.push({ path: 'staffId', problem: 'give exactly one of staffId and email' });
    if (input.signal === 'role_change' && input.role === undefined)
      problems.push({ path: 'role', problem: 'is required for role_change' });
    if (input.signal !== 'role_change' && input.role !== undefined)
      problems.push({ path: 'role', problem: 'is only for role_change' });
    const training = input.signal === 'training_completed';
    for (const path of ['course', 'expiresAt'] as const) {
      if (training && input[path] === undefined)
        problems.push({ path, problem: 'is required for training_completed' });
      if (!training && input[path] !== undefined)
        problems.push({ path, problem: 'is only for training_completed' });
    }
    if (problems.length > 0) throw validationFailed(problems);
  }

  async function find(input: HrSignalInput): Promise<StaffMember> {
    let member: StaffMember | undefined;
    if (input.staffId !== undefined) member = await staff.byId(input.staffId);
    else {
      const email = normaliseEmail(input.email ?? '');
      if (email === null) throw validationFailed([{ path: 'email', problem: 'must be an email address' }]);
      member = await staff.byEmail(email);
    }
    if (!member) throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
    return member;
  }

  /** The signal's effect on the member's account; the role they hold once it applied. */
  async function apply(grant: ApiTokenGrant, member: StaffMember, s: HrSignalRecord): Promise<StaffRole> {
    const by = grant.actor;
    switch (s.signal) {
      case 'termination':
        await staff.endEmployment(member.id);
        await deps.accounts.suspendStaff(by, member.id);
        await deps.apiTokens.revokeOwnedBy(by, member.id);
        return member.role;
      case 'leave_start':
        await deps.accounts.startLeave(by, member.id);
        return member.role;
      case 'leave_end':
        await deps.accounts.endLeave(by, member.id);
        return member.role;
      case 'role_change': {
        const role = s.role as StaffRole;
        if (role === member.role) return role;
        await staff.setRole(member.id, role, s.receivedAt);
        const account = await deps.accountStore.bySubject('staff', member.id);
        if (account) await deps.sessions.revokeAll(account.id);
        await ledger.append({
          type: 'staff.role_changed',
          actor: actorRef(by),
          subject: member.id,
          data: { staffId: member.id, accountId: account?.id ?? '', from: member.role, to: role, via: 'hr' },
        });
        return role;
      }
      case 'hired':
      case 'resignation_notice':
      case 'training_completed':
        return member.role;
    }
  }

  return {
    /**
     * Accept an HR signal: STAFF_NOT_FOUND for nobody by that id or email, ROLE_NEEDS_APPROVAL (ledgered)
     * for a privileged role, VALIDATION_FAILED for a signal that names both or neither, or a role where it
     * does not belong. A replay answers the first signal's id.
     */
    async report(grant: ApiTokenGrant, input: HrSignalInput): Promise<{ signalId: string }> {
      check(input);
      const member = await find(input);
      const receivedAt = clock.now();
      if (input.signal === 'training_completed') {
        const record = await deps.training.recordFromHr(grant, member.id, {
          course: input.course as string,
          completedAt: input.effectiveAt ?? receivedAt,
          expiresAt: input.expiresAt as number,
        });
        return { signalId: record.id };
      }
      const candidate: HrSignalRecord = {
        id: uuidv7(receivedAt),
        staffId: member.id,
        signal: input.signal,
        role: input.role ?? null,
        effectiveAt: input.effectiveAt ?? receivedAt,
        receivedAt,
      };
      if (input.effectiveAt !== undefined) {
        const replayed = await store.same(candidate);
        if (replayed) return { signalId: replayed.id };
      }
      if (candidate.role !== null && isPrivilegedRole(candidate.role)) {
        await ledger.append({
          type: 'hr.signal_refused',
          actor: actorRef(grant.actor),
          subject: member.id,
          data: {
            staffId: member.id,
            signal: candidate.signal,
            role: candidate.role,
            code: 'ROLE_NEEDS_APPROVAL',
          },
        });
        throw new CustosError(
          'ROLE_NEEDS_APPROVAL',
          'A privileged role is granted by two administrators, not by an HR signal',
        );
      }
      const role = await ledger.record(
        {
          type: 'hr.signal',
          actor: actorRef(grant.actor),
          subject: member.id,
          data: {
            signalId: candidate.id,
            staffId: member.id,
            signal: candidate.signal,
            ...(candidate.role === null ? {} : { role: candidate.role }),
          },
        },
        async () => {
          await store.insert(candidate);
          return apply(grant, member, candidate);
        },
      );
      deps.bus.publish('hr.signal', {
        staffId: member.id,
        role,
        signal: candidate.signal,
        at: candidate.effectiveAt,
      });
      return { signalId: candidate.id };
    },
  };
}

export type HrSignals = ReturnType<typeof createHrSignals>;
