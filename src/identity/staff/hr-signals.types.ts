/**
 * HR signals in the directory's words: what the HR system may say about a staff member. The five kinds
 * match the watcher's `hrSignals` (`watch/risk/risk.types.ts`, which identity may not import; a test holds
 * the two lists together); `role_change` carries the new role and is applied by the directory itself;
 * `training_completed` carries a course and its expiry and becomes a training record (training.service.ts).
 */
import type { StaffRole } from './staff.types.ts';

export const hrSignalKinds = [
  'hired',
  'resignation_notice',
  'leave_start',
  'leave_end',
  'termination',
  'role_change',
  'training_completed',
] as const;
export type HrSignalKind = (typeof hrSignalKinds)[number];

/** A signal as accepted and stored. */
export interface HrSignalRecord {
  id: string;
  staffId: string;
  signal: HrSignalKind;
  /** The new role of a `role_change`; null for every other signal. */
  role: StaffRole | null;
  /** When HR says it took effect (epoch ms): the time it was received when HR gave none. */
  effectiveAt: number;
  receivedAt: number;
}

/** What HR has said of a staff member that the watcher weighs (epoch ms; null: never said). */
export interface HrStatus {
  resignationNoticeAt: number | null;
  hiredAt: number | null;
}
