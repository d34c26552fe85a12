/**
 * What the access side knows for `context.followUp`: per staff member, the customers who started a contact
 * with them (evidence other than `none`) and when, for the last 30 days. A ring of the latest 1,024 contacts
 * per member (a month of shifts at 25 contacts is about 550), in two flat typed arrays: 80 MB for 10,000 staff.
 */
import type { Random } from './random.ts';

const RECENT = 1024;
const FOLLOW_UP_MINUTES = 30 * 24 * 60;

export function createContactMemory(staffCount: number) {
  const customers = new Uint32Array(staffCount * RECENT);
  /** Minutes since the epoch (signed: the warm-up runs before day 0). */
  const minutes = new Int32Array(staffCount * RECENT);
  const counts = new Uint32Array(staffCount);
  const minuteOf = (at: number) => Math.floor(at / 60_000);

  return {
    /** A customer-started contact of `staff` with `customer` at `at`. */
    remember(staff: number, customer: number, at: number): void {
      const slot = staff * RECENT + (counts[staff]! % RECENT);
      customers[slot] = customer;
      minutes[slot] = minuteOf(at) - minuteOf(Date.UTC(2026, 0, 1));
      counts[staff]! += 1;
    },

    /** Did `customer` start a contact with `staff` in the 30 days before `at`? */
    isFollowUp(staff: number, customer: number, at: number): boolean {
      const n = Math.min(counts[staff]!, RECENT);
      const since = minuteOf(at) - minuteOf(Date.UTC(2026, 0, 1)) - FOLLOW_UP_MINUTES;
      for (let i = staff * RECENT; i < staff * RECENT + n; i++) {
        if (customers[i] === customer && minutes[i]! >= since) return true;
      }
      return false;
    },

    /** A customer who started a contact with `staff` in the 30 days before `at`, at random; -1 if none drawn. */
    recentCustomer(staff: number, rng: Random, at: number): number {
      const n = Math.min(counts[staff]!, RECENT);
      if (n === 0) return -1;
      const slot = staff * RECENT + rng.int(n);
      const since = minuteOf(at) - minuteOf(Date.UTC(2026, 0, 1)) - FOLLOW_UP_MINUTES;
      return minutes[slot]! >= since ? customers[slot]! : -1;
    },
  };
}
