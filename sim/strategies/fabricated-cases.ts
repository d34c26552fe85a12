/**
 * Fabricated cases: a store clerk opens plausible cases (own region, in the shift, closed resolved) for
 * customers who never asked, a dozen a day, and reveals each.
 */
import { pushContact, type Act } from '../act.ts';
import { customerIn } from '../workload.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';

const casesPerDay = 12;

export function createFabricatedCases(ctx: StrategyContext, index: number): Strategy {
  const staff = ctx.recruit(1, (s) => ctx.org.staffRole[s] === 0)[0]!;
  return {
    name: 'fabricated_cases',
    members: [staff],
    description: `one store clerk: ${casesPerDay} invented cases a working day in their own region, each revealed and closed resolved`,
    planDay(acts: Act[], day: number) {
      if (!attacksOn(staff, day)) return;
      const rng = rngFor(ctx, index, 0, day);
      const { start, length } = shiftOf(ctx.org, staff, day);
      const slot = length / casesPerDay;
      for (let k = 0; k < casesPerDay; k++) {
        const at = Math.round(start + k * slot + rng.next() * (slot - 240_000));
        const customer = customerIn(ctx.org, ctx.org.staffRegion[staff]!, rng);
        pushContact(acts, {
          at,
          staff,
          source: 'fabricated_cases',
          customer,
          evidence: 'none',
          reveal: true,
          resolved: true,
        });
      }
    },
  };
}
