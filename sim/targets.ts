/**
 * The containment targets and how a result measures against each: met, or missed by how much, with
 * one line on why drawn from the run's own numbers.
 */
import type { StrategyName } from './act.ts';
import type { SimulationResult, StrategyResult } from './metrics.ts';

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
  /** Met: how; missed: by how much and why. */
  note: string;
}

/** Most records (or confirmed numbers) each exposing strategy may get. */
export const exposureTargets: Partial<Record<StrategyName, number>> = {
  bulk_scraper: 0,
  fabricated_cases: 10,
  low_and_slow: 30,
  ring: 100,
  enumeration: 20,
};
export const snoopingDetectedTarget = 0.95;
export const frictionTarget = 0.005;
export const alertsPer1000Target = 1;

export function duration(ms: number | null): string {
  if (ms === null) return 'never';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

/** What stopped a strategy, strongest first. */
export function containment(r: StrategyResult): string {
  const parts: string[] = [];
  if (r.membersSuspended > 0)
    parts.push(`suspended (critical) ${r.membersSuspended}/${r.members} after ${duration(r.toSuspensionMs)}`);
  if (r.refused.approval > 0) parts.push(`${r.refused.approval} reveals refused by the approver (high)`);
  if (r.refused.quota > 0) parts.push(`${r.refused.quota} quota refusals`);
  if (r.stepUps > 0) parts.push(`${r.stepUps} step-ups passed (elevated)`);
  return parts.length > 0 ? parts.join('; ') : 'nothing';
}

function exposureNote(r: StrategyResult, value: number, limit: number): string {
  const alert = r.toAlertMs === null ? 'no alert in the run' : `first alert after ${duration(r.toAlertMs)}`;
  const facts = `${alert}; peak score ${r.peakScore}; ${containment(r)}`;
  if (value <= limit) return facts;
  let why: string;
  if (r.membersSuspended === r.members && r.toSuspensionMs !== null && r.toSuspensionMs < 86_400_000)
    why =
      'the first cold reveals cannot be told from a legitimate hand-over until they repeat: each earns 17 points (elevated at the 2nd, high at the 3rd), so a few pass before the hold; 0 would need a second person to approve every cold reveal, a cost honest staff would pay on every hand-over (the honest workload has them: see its parameters)';
  else if (r.membersAlerted < r.members)
    why = `${r.membersAlerted} of ${r.members} members ever reached high: each kept to a pace whose points decay (17 a cold reveal, half-life a week) before they reach 50`;
  else
    why =
      'each member was held at high (a second approver) and reached critical only on a second hold; the reveals before the first hold add up across members';
  return `missed by ${value - limit}: ${why} (${facts})`;
}

export function verdicts(result: SimulationResult): Verdict[] {
  const out: Verdict[] = [];
  for (const r of result.strategies) {
    const limit = exposureTargets[r.name];
    if (limit === undefined) continue;
    const value = r.name === 'enumeration' ? r.confirmed : r.exposed;
    const unit = r.name === 'enumeration' ? 'confirmed numbers' : 'records';
    out.push({
      target: `${r.name}: ≤ ${limit} ${unit}`,
      measured: `${value}`,
      met: value <= limit,
      note: exposureNote(r, value, limit),
    });
  }
  const snoop = result.strategies.find((r) => r.name === 'snooping');
  if (snoop) {
    const share = snoop.incidents === 0 ? 1 : snoop.detectedWithinDay / snoop.incidents;
    const met = share >= snoopingDetectedTarget;
    out.push({
      target: `snooping: ≥ ${snoopingDetectedTarget * 100} % detected within a day`,
      measured: `${(share * 100).toFixed(1)} % (${snoop.detectedWithinDay} of ${snoop.incidents})`,
      met,
      note: met
        ? 'detected: a cold reveal of a VIP, co-worker or same-surname customer is alerted the moment it happens (`special_customer_access`)'
        : `missed by ${((snoopingDetectedTarget - share) * 100).toFixed(1)} points: a snoop is alerted at once only when the customer is marked (VIP, co-worker) or shares the member's surname and the reveal is cold; the rest wait for the score (peak ${snoop.peakScore}, high is 50)`,
    });
  }
  const h = result.honest;
  const friction = h.staffDays === 0 ? 0 : h.frictionDays / h.staffDays;
  out.push({
    target: `honest staff: ≤ ${frictionTarget * 100} % staff-days with friction`,
    measured: `${(friction * 100).toFixed(2)} % (${h.frictionDays} of ${h.staffDays})`,
    met: friction <= frictionTarget,
    note: `${h.stepUps} extra step-ups, ${h.approvalsAsked} approvals asked (${h.approvalsRefused} refused), ${h.quotaRefusals} quota refusals, ${h.suspended} suspended`,
  });
  const alerts = h.staffDays === 0 ? 0 : (h.alerts * 1000) / h.staffDays;
  out.push({
    target: `honest staff: ≤ ${alertsPer1000Target} alert per 1,000 staff-days`,
    measured: `${alerts.toFixed(2)} (${h.alerts} alerts)`,
    met: alerts <= alertsPer1000Target,
    note:
      alerts <= alertsPer1000Target
        ? 'met'
        : `missed by ${(alerts - alertsPer1000Target).toFixed(2)} per 1,000`,
  });
  return out;
}
