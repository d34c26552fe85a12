/**
 * Curiosity snooping: otherwise honest staff (2 % of them) who, on a quarter of their working days, look up
 * one special customer with no evidence — a VIP or a co-worker of their region, or someone with their own
 * surname — and close the case with no action.
 */
import { pushContact, type Act } from '../act.ts';
import { bucketAt, bucketSize } from '../organisation.ts';
import { attacksOn, rngFor, shiftOf, type Strategy, type StrategyContext } from './strategy.ts';

const snooperShare = 0.02;
const snoopDayShare = 0.25;

export function createSnooping(ctx: StrategyContext, index: number): Strategy {
  const { org } = ctx;
  const members = ctx.recruit(Math.max(1, Math.round(org.staffCount * snooperShare)));
  return {
    name: 'snooping',
    members,
    description: `${members.length} otherwise honest staff: on a quarter of their working days, one VIP, co-worker or same-surname customer, no evidence`,
    planDay(acts: Act[], day: number) {
      members.forEach((staff, m) => {
        if (!attacksOn(staff, day)) return;
        const rng = rngFor(ctx, index, m, day);
        if (!rng.chance(snoopDayShare)) return;
        const { start, length } = shiftOf(org, staff, day);
        const region = org.staffRegion[staff]!;
        const kind = rng.int(3);
        const bucket = kind === 0 ? org.vipByRegion : kind === 1 ? org.coworkerByRegion : org.bySurname;
        const key = kind === 2 ? org.staffSurname[staff]! : region;
        const size = bucketSize(bucket, key);
        if (size === 0) return;
        const customer = bucketAt(bucket, key, rng.int(size));
        const at = Math.round(start + rng.next() * (length - 240_000));
        pushContact(acts, {
          at,
          staff,
          source: 'snooping',
          customer,
          evidence: 'none',
          reveal: true,
          resolved: false,
        });
      });
    },
  };
}
