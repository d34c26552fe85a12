/**
 * What every attack strategy is: a name, the staff members who carry it out (ordinary accounts of the same
 * organisation, with the same quotas), and a plan for each day. Strategies never see the gate's decisions:
 * the engine drops an attacker's planned acts while a quota's Retry-After runs and once the account is
 * suspended, as a careful attacker would.
 */
import type { Act, StrategyName } from '../act.ts';
import { DAY, EPOCH, type Organisation, shifts, worksOn } from '../organisation.ts';
import { createRandom, type Random } from '../random.ts';

export interface Strategy {
  name: StrategyName;
  /** Staff indexes of the attackers. */
  members: number[];
  /** Staff who take part without acting through the vault (the ring's outside buyer, fired earlier). */
  others?: number[];
  /** One line: what the attacker does. */
  description: string;
  planDay(acts: Act[], day: number): void;
}

export interface StrategyContext {
  org: Organisation;
  seed: number;
  /** Choose `count` staff not yet chosen, accepted by `accept`, deterministically. */
  recruit(count: number, accept?: (staff: number) => boolean): number[];
}

/** A stream for a strategy's member on a day. */
export function rngFor(ctx: StrategyContext, strategy: number, member: number, day: number): Random {
  return createRandom(ctx.seed, 100 + strategy, member, day);
}

/** Shift start of a member on a day (epoch ms), and its length. */
export function shiftOf(org: Organisation, staff: number, day: number): { start: number; length: number } {
  const shift = shifts[org.staffShift[staff]!]!;
  return { start: EPOCH + day * DAY + shift.start, length: shift.end - shift.start };
}

/** Attack days: the member's working days of the run (the engine's warm-up is honest only). */
export function attacksOn(staff: number, day: number): boolean {
  return day >= 0 && worksOn(staff, day);
}
