/** The bulk scraper: one support agent pulls as many customers as fast as they can, from anywhere, no evidence. */
import { pushContact, type Act } from '../act.ts';
import { customerIn } from '../workload.ts';
import { regions } from '../organisation.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';

/** One customer every 15 seconds through the shift. */
const intervalMs = 15_000;

export function createBulkScraper(ctx: StrategyContext, index: number): Strategy {
  const [member] = ctx.recruit(1, (s) => ctx.org.staffRole[s] === 1);
  const staff = member!;
  return {
    name: 'bulk_scraper',
    members: [staff],
    description: 'one support agent: a customer every 15 s through the shift, any region, no evidence',
    planDay(acts: Act[], day: number) {
      if (!attacksOn(staff, day)) return;
      const rng = rngFor(ctx, index, 0, day);
      const { start, length } = shiftOf(ctx.org, staff, day);
      for (let at = start; at < start + length - 180_000; at += intervalMs) {
        const customer = customerIn(ctx.org, rng.int(regions.length), rng);
        pushContact(acts, {
          at,
          staff,
          source: 'bulk_scraper',
          customer,
          evidence: 'none',
          reveal: true,
          resolved: false,
        });
      }
    },
  };
}
