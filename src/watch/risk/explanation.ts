/**
 * The watcher's explanation in words a staff member reads: their tier and score, then each indicator with
 * its value today, the baseline it was held against and its points. No customer is named.
 */
import type { FieldProblem } from '../../platform/errors.ts';
import type { Assessment, Indicator } from './risk.types.ts';

const words: Record<Indicator, string> = {
  unexplained_reveals:
    'customers revealed today with no sign the customer started it (no presence code, call, portal request or appointment) and no contact from them in 30 days',
  follow_ups:
    'follow-ups today: customers revealed without them asking now, who contacted you in the last 30 days',
  distinct_customers:
    'distinct customers revealed today, against an allowance from your own and your peers’ usual days',
  no_resolution: 'cases with a reveal closed today with no resolution (a few are free)',
  out_of_region: 'customers outside your region revealed today without them asking',
  off_shift: 'customers revealed today outside your shift without them asking',
  search_misses: 'searches today that found nobody (a few are free)',
  patterned_searches: 'searches today continuing a run of consecutive numbers (one is free)',
  special_customers: 'VIPs, co-workers or people with your surname revealed today without them asking',
  hr_window: 'customers revealed today without them asking, soon after joining or after a resignation notice',
  shared_customers:
    'customers revealed today without them asking whom another colleague also revealed that way, with no shared case',
  break_glass: 'break-glass reveals today',
  refusals: 'requests refused today (a few are free)',
  repeat_hold: 'holds within 30 days of an earlier hold',
  honey_touch: 'records touched that no real work ever reaches',
};

export function explain(a: Assessment): FieldProblem[] {
  return [
    { path: 'tier', problem: `${a.tier} (score ${a.score} of 100)` },
    ...a.contributions.map((c) => ({
      path: c.indicator,
      problem: `${c.value} ${words[c.indicator]}; baseline ${c.baseline}; ${c.points} points`,
    })),
  ];
}
