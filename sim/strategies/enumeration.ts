/**
 * Phone-number enumeration: a store clerk searches consecutive phone numbers (each search continues the
 * pattern), one every 20 seconds. A number is a customer's with probability customers ÷ the numbering
 * space; each hit confirms a number.
 */
import { act, type Act } from '../act.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';

const intervalMs = 20_000;
/** Mobile numbers in the organisation's area (100 million): a million customers hold one in a hundred. */
export const phoneSpace = 100_000_000;

export function createEnumeration(ctx: StrategyContext, index: number): Strategy {
  const staff = ctx.recruit(1, (s) => ctx.org.staffRole[s] === 0)[0]!;
  const hitRate = Math.min(1, ctx.org.customerCount / phoneSpace);
  return {
    name: 'enumeration',
    members: [staff],
    description: `one store clerk: consecutive phone numbers, a search every 20 s through the shift (${(hitRate * 100).toFixed(1)} % are customers')`,
    planDay(acts: Act[], day: number) {
      if (!attacksOn(staff, day)) return;
      const rng = rngFor(ctx, index, 0, day);
      const { start, length } = shiftOf(ctx.org, staff, day);
      for (let at = start; at < start + length; at += intervalMs) {
        const matches = rng.chance(hitRate) ? 1 : 0;
        acts.push(act({ at, staff, source: 'enumeration', kind: 'search', matches, patterned: true }));
      }
    },
  };
}
