/**
 * Low and slow: a store clerk takes three customers a working day, far under every quota (10 an hour, 40 a
 * day, 150 a week), own region, in the shift, each on a case closed resolved.
 */
import { pushContact, type Act } from '../act.ts';
import { customerIn } from '../workload.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';

const perDay = 3;

export function createLowAndSlow(ctx: StrategyContext, index: number): Strategy {
  const staff = ctx.recruit(1, (s) => ctx.org.staffRole[s] === 0)[0]!;
  return {
    name: 'low_and_slow',
    members: [staff],
    description: `one store clerk: ${perDay} customers a working day, spread through the shift, own region, closed resolved`,
    planDay(acts: Act[], day: number) {
      if (!attacksOn(staff, day)) return;
      const rng = rngFor(ctx, index, 0, day);
      const { start, length } = shiftOf(ctx.org, staff, day);
      const slot = length / perDay;
      for (let k = 0; k < perDay; k++) {
        const at = Math.round(start + k * slot + rng.next() * (slot - 240_000));
        const customer = customerIn(ctx.org, ctx.org.staffRegion[staff]!, rng);
        pushContact(acts, {
          at,
          staff,
          source: 'low_and_slow',
          customer,
          evidence: 'none',
          reveal: true,
          resolved: true,
        });
      }
    },
  };
}
