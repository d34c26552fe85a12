/**
 * Staff training records (LAW.md row 19; PIPL 51, HIPAA 164.308(a)(5)): an administrator records a course
 * a staff member completed (step-up), or HR's integration does (`training_completed`, hr-signals). Each
 * record is ledgered (`staff.training_recorded`: ids, course and dates only) before it is stored. The access
 * gate refuses customer data to a member whose record of the required course is missing or expired; it reads
 * `statusOf` through the principal, on every request, so a renewal counts on the very next one.
 *
 * Invariants: nobody records their own training — not an administrator over HTTP, not through an HR token
 * they own (SAME_PERSON); a record completes no later than now and expires after it completes; records are
 * only added (the latest expiry counts), never edited; the same record sent again (a retried PUT, an HR
 * replay) answers the stored one and writes nothing.
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, type FieldProblem, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { StaffPrincipal } from '../sessions/principal.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { StaffDirectory } from './staff-directory.ts';
import type { TrainingStore } from './training.store.ts';
import {
  COURSE_PATTERN,
  type TrainingInput,
  type TrainingRecord,
  type TrainingSource,
  type TrainingStatus,
} from './training.types.ts';

type Acting = Pick<StaffPrincipal, 'staffId' | 'role' | 'actor' | 'session'>;

/** Who may read a member's training records: administrators and security, and the member themselves. */
const readers = new Set(['admin', 'security']);

export function createTraining(deps: {
  store: TrainingStore;
  staff: Pick<StaffDirectory, 'member'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  const course = new RegExp(COURSE_PATTERN);

  function check(input: TrainingInput, now: number): void {
    const problems: FieldProblem[] = [];
    if (!course.test(input.course)) problems.push({ path: 'course', problem: 'a-z, 0-9 and _, up to 64' });
    if (input.completedAt > now) problems.push({ path: 'completedAt', problem: 'must not be in the future' });
    if (input.expiresAt <= input.completedAt)
      problems.push({ path: 'expiresAt', problem: 'must be after completedAt' });
    if (problems.length > 0) throw validationFailed(problems);
  }

  async function add(
    by: Actor,
    staffId: string,
    input: TrainingInput,
    source: TrainingSource,
  ): Promise<TrainingRecord> {
    const now = clock.now();
    check(input, now);
    if (!(await deps.staff.member(staffId))) throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
    const replayed = await store.same({ staffId, ...input });
    if (replayed) return replayed;
    const record: TrainingRecord = { id: uuidv7(now), staffId, ...input, source, recordedAt: now };
    await ledger.record(
      {
        type: 'staff.training_recorded',
        actor: actorRef(by),
        subject: staffId,
        data: {
          recordId: record.id,
          staffId,
          course: record.course,
          completedAt: record.completedAt,
          expiresAt: record.expiresAt,
          source,
        },
      },
      () => store.insert(record),
    );
    return record;
  }

  return {
    /** An administrator records another member's training (step-up): FORBIDDEN, SAME_PERSON, STAFF_NOT_FOUND. */
    async record(p: Acting, staffId: string, input: TrainingInput): Promise<TrainingRecord> {
      if (p.role !== 'admin') throw new CustosError('FORBIDDEN', 'Only an administrator records training');
      deps.sessions.requireStepUp(p.session);
      if (staffId === p.staffId) throw new CustosError('SAME_PERSON', 'Nobody records their own training');
      return add(p.actor, staffId, input, 'admin');
    },

    /** HR's integration reports a completed course (`training_completed`); never about the token's owner. */
    async recordFromHr(
      grant: { actor: Actor; ownerStaffId: string | null },
      staffId: string,
      input: TrainingInput,
    ): Promise<TrainingRecord> {
      if (grant.ownerStaffId === staffId)
        throw new CustosError('SAME_PERSON', 'Nobody records their own training');
      return add(grant.actor, staffId, input, 'hr');
    },

    /** A member's records: an administrator's or security's, or one's own. */
    async list(p: Pick<StaffPrincipal, 'staffId' | 'role'>, staffId: string): Promise<TrainingRecord[]> {
      if (staffId !== p.staffId && !readers.has(p.role))
        throw new CustosError('FORBIDDEN', "Only administrators and security read others' training");
      if (!isUuid(staffId) || !(await deps.staff.member(staffId)))
        throw new CustosError('STAFF_NOT_FOUND', 'No such staff member');
      return store.forStaff(staffId);
    },

    /** The member's standing in `course`, for the principal (see the access gate). */
    async statusOf(staffId: string, courseName: string): Promise<TrainingStatus> {
      return { course: courseName, expiresAt: await store.expiresAt(staffId, courseName) };
    },
  };
}

export type Training = ReturnType<typeof createTraining>;
