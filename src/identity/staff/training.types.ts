/**
 * Staff training records (LAW.md row 19: staff trained before access): a course a staff member completed
 * and when it expires, recorded by an administrator or by HR's integration. Access reads only
 * `TrainingStatus`, through the principal.
 */

/** Who recorded a training record. */
export const trainingSources = ['admin', 'hr'] as const;
export type TrainingSource = (typeof trainingSources)[number];

/** A course name: lower case, digits and underscores (e.g. `data_protection`). */
export const COURSE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

export interface TrainingRecord {
  id: string;
  staffId: string;
  course: string;
  /** Epoch ms. */
  completedAt: number;
  /** Epoch ms; the record is current strictly before this. */
  expiresAt: number;
  source: TrainingSource;
  recordedAt: number;
}

/** What a training record says: the course, when it was completed and when it expires (epoch ms). */
export interface TrainingInput {
  course: string;
  completedAt: number;
  expiresAt: number;
}

/** The training the installation asks for, as the principal carries it (see sessions/principal.ts). */
export interface TrainingStatus {
  course: string;
  /** The latest expiry of any record of the course (epoch ms); null: none on record. */
  expiresAt: number | null;
}
