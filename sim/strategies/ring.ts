/**
 * The ring: 20 insiders, five in each of four regions, each pulling a steady trickle of distinct customers
 * of their own region for an outside buyer — a former colleague of the first region, fired two days before the run
 * (HR `termination`), who no longer acts through the vault.
 */
import { act, pushContact, type Act } from '../act.ts';
import { customerIn } from '../workload.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';
import { DAY, EPOCH, HOUR } from '../organisation.ts';

export const ringRegions = 4;
export const ringPerRegion = 5;
const perMemberDay = 4;

export function createRing(ctx: StrategyContext, index: number): Strategy {
  const buyer = ctx.recruit(1, (s) => ctx.org.staffRegion[s] === 0)[0]!;
  const members: number[] = [];
  for (let r = 0; r < ringRegions; r++) {
    members.push(
      ...ctx.recruit(ringPerRegion, (s) => ctx.org.staffRegion[s] === r && ctx.org.staffRole[s] !== 1),
    );
  }
  const taken = new Set<number>();
  return {
    name: 'ring',
    members,
    others: [buyer],
    description: `20 clerks and contractors, 5 in each of 4 regions: ${perMemberDay} distinct customers each a working day for a buyer fired 2 days before`,
    planDay(acts: Act[], day: number) {
      // The buyer's termination, two days before the run (planned with day 0, decided first).
      if (day === 0)
        acts.push(act({ at: EPOCH - 2 * DAY + 10 * HOUR, staff: buyer, source: 'ring', kind: 'hr' }));
      members.forEach((staff, m) => {
        if (!attacksOn(staff, day)) return;
        const rng = rngFor(ctx, index, m, day);
        const { start, length } = shiftOf(ctx.org, staff, day);
        const slot = length / perMemberDay;
        for (let k = 0; k < perMemberDay; k++) {
          const at = Math.round(start + k * slot + rng.next() * (slot - 240_000));
          let customer = customerIn(ctx.org, ctx.org.staffRegion[staff]!, rng);
          while (taken.has(customer)) customer = customerIn(ctx.org, ctx.org.staffRegion[staff]!, rng);
          taken.add(customer);
          pushContact(acts, {
            at,
            staff,
            source: 'ring',
            customer,
            evidence: 'none',
            reveal: true,
            resolved: true,
          });
        }
      });
    },
  };
}
