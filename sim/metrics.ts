import type { WorkloadParams } from './workload.ts';
/**
 * What a run measures, per attack strategy and for honest staff, and the series the report charts.
 * Plain records: the engine fills them, report.ts reads them.
 */
import type { StrategyName } from './act.ts';

export interface StrategyResult {
  name: StrategyName;
  description: string;
  members: number;
  /** Attack acts attempted (planned acts a suspension or a Retry-After dropped are not attempts). */
  attempts: number;
  /** Distinct customers with any field revealed in plaintext by the strategy's acts. */
  exposed: number;
  /** Enumeration: phone numbers confirmed (searches that found a customer). */
  confirmed: number;
  /** Milliseconds from the first attack act to the first alert (tier high or critical) on a member. */
  toAlertMs: number | null;
  /** Milliseconds from the first attack act to the first suspension of a member. */
  toSuspensionMs: number | null;
  membersAlerted: number;
  membersSuspended: number;
  /** Attack acts refused, by what refused them. */
  refused: { quota: number; approval: number; suspended: number };
  /** The highest score any member reached right after an attack act. */
  peakScore: number;
  /** Extra step-ups the attackers passed (they hold the account). */
  stepUps: number;
  /** Snooping: incidents, and those detected (tier ≥ high) within a day. */
  incidents: number;
  detectedWithinDay: number;
}

export interface HonestResult {
  staff: number;
  staffDays: number;
  frictionDays: number;
  stepUps: number;
  approvalsAsked: number;
  approvalsRefused: number;
  quotaRefusals: number;
  /** Quota refusals by the quota that refused. */
  quotaRefusalsBy: Record<string, number>;
  /** Quota refusals while the member was above `normal` (quotas halved). */
  quotaRefusalsHalved: number;
  suspended: number;
  /** Rises to `elevated` or above, by the indicator with the most points at the time. */
  raisedBy: Record<string, number>;
  alerts: number;
  reveals: number;
  followUps: number;
}

export interface SimulationParams {
  staff: number;
  customers: number;
  days: number;
  seed: number;
}

export interface SimulationResult {
  params: SimulationParams;
  /** The honest workload the run used. */
  workload: WorkloadParams;
  strategies: StrategyResult[];
  honest: HonestResult;
  performance: { acts: number; events: number; seconds: number; eventsPerSecond: number };
  series: {
    /** Per strategy, distinct customers exposed by the end of each hour. */
    exposedByHour: Record<string, number[]>;
    /** Risk score at each hour: one member of each strategy, and the median of a sample of honest staff. */
    scoreByHour: Record<string, number[]>;
    /** Per day: share of honest staff-days with friction, and honest alerts. */
    frictionByDay: number[];
    alertsByDay: number[];
  };
}

export function emptyStrategyResult(
  name: StrategyName,
  description: string,
  members: number,
): StrategyResult {
  return {
    name,
    description,
    members,
    attempts: 0,
    exposed: 0,
    confirmed: 0,
    toAlertMs: null,
    toSuspensionMs: null,
    membersAlerted: 0,
    membersSuspended: 0,
    refused: { quota: 0, approval: 0, suspended: 0 },
    peakScore: 0,
    stepUps: 0,
    incidents: 0,
    detectedWithinDay: 0,
  };
}
