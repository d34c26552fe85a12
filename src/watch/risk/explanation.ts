/**
 * The watcher's explanation in words a staff member reads: their tier and score, then each indicator with
 * its value today, the baseline it was held against and its points. No customer is named.
 */
import type { FieldProblem } from '../../platform/errors.ts';
import type { Assessment, Indicator } from './risk.types.ts';

const words: Record<Indicator, string> = {
  unexplained_reveals:
    'customers revealed today with no sign the customer started it (no presence code, call, portal request or appointment)',
  distinct_customers:
    'distinct customers revealed today, against an allowance from your own and your peers’ usual days',
  break_glass: 'break-glass reveals today',
  refusals: 'requests refused today (a few are free)',
  search_misses: 'searches today that found nobody (a few are free)',
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
