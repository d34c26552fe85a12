/**
 * Honest work, one staff member's shift-day at a time: customers arrive through the counter (a presence
 * code read out), calls, the portal and booked appointments; each contact is a search, a case, sometimes a
 * reveal, and the case closed resolved. Around that: legitimate follow-ups the staff member starts for a
 * customer they served in the past days, mistyped searches, the odd refusal, travellers from another region,
 * VIPs served at the counter, and rare overtime after the shift.
 */
import { type Act, act, pushContact } from './act.ts';
import type { EvidenceKind } from '../src/watch/risk/risk.types.ts';
import {
  bucketAt,
  bucketSize,
  DAY,
  EPOCH,
  type Organisation,
  regions,
  roles,
  shifts,
} from './organisation.ts';
import type { Random } from './random.ts';

export interface WorkloadParams {
  /** Contacts a shift, on average (uniform ± 7). */
  contactsPerShift: number;
  /** Share of contacts with a reveal of one or two fields. */
  revealShare: number;
  /** Share of contacts that are follow-ups the staff member starts (evidence `none`). */
  followUpShare: number;
  /**
   * Share of contacts the staff member starts with a customer who never contacted them (evidence `none`, no
   * follow-up): a colleague's hand-over, a complaint forwarded by e-mail. Rare, and legitimate.
   */
  coldShare: number;
  /** Share of searches mistyped first (a miss, then the right search). */
  mistypedSearchShare: number;
  /** Share of contacts where the member runs into a refusal of their own making (wrong case, no consent). */
  mistakeShare: number;
  /** Share of customers from another region (travellers). */
  travellerShare: number;
  /** Share of counter contacts that are VIPs. */
  vipShare: number;
  /** Share of staff-days with one or two contacts after the shift ends. */
  overtimeShare: number;
}

export const defaultWorkload: WorkloadParams = {
  contactsPerShift: 25,
  revealShare: 0.4,
  followUpShare: 0.05,
  coldShare: 0.0005,
  mistypedSearchShare: 0.03,
  mistakeShare: 0.005,
  travellerShare: 0.03,
  vipShare: 0.002,
  overtimeShare: 0.02,
};

/** How customers reach each role: [evidence, share]. */
const channels: Record<(typeof roles)[number], [EvidenceKind, number][]> = {
  store: [
    ['presence_code', 0.75],
    ['appointment', 0.25],
  ],
  support: [
    ['inbound_call', 0.7],
    ['portal_request', 0.3],
  ],
  contractor: [
    ['inbound_call', 0.5],
    ['portal_request', 0.5],
  ],
};

function channelOf(role: (typeof roles)[number], u: number): EvidenceKind {
  let acc = 0;
  for (const [evidence, share] of channels[role]) {
    acc += share;
    if (u < acc) return evidence;
  }
  return channels[role][0]![0];
}

/** A random customer of a region. */
export function customerIn(org: Organisation, region: number, rng: Random): number {
  return bucketAt(org.byRegion, region, rng.int(bucketSize(org.byRegion, region)));
}

/**
 * Plan one staff member's honest day into `acts`. `recent` gives a customer this member served (with
 * customer evidence) in the past days, or -1: the pool follow-ups come from.
 */
export function planHonestDay(
  acts: Act[],
  org: Organisation,
  params: WorkloadParams,
  staff: number,
  day: number,
  rng: Random,
  recent: (rng: Random) => number,
): void {
  const role = roles[org.staffRole[staff]!]!;
  const region = org.staffRegion[staff]!;
  const shift = shifts[org.staffShift[staff]!]!;
  const dayStart = EPOCH + day * DAY;
  const contacts = Math.max(1, params.contactsPerShift - 7 + rng.int(15));
  const overtime = rng.chance(params.overtimeShare) ? 1 + rng.int(2) : 0;
  const slot = (shift.end - shift.start) / contacts;
  const source = 'honest';
  for (let k = 0; k < contacts + overtime; k++) {
    // Contacts are spaced through the shift (overtime continues past its end), each within its own slot.
    const at = Math.round(dayStart + shift.start + k * slot + rng.next() * Math.max(0, slot - 240_000));
    if (rng.chance(params.mistypedSearchShare))
      acts.push(act({ at: at - 30_000, staff, source, kind: 'search' }));
    if (rng.chance(params.mistakeShare)) acts.push(act({ at: at - 20_000, staff, source, kind: 'mistake' }));
    const reveal = rng.chance(params.revealShare);
    if (rng.chance(params.followUpShare)) {
      const customer = recent(rng);
      if (customer >= 0) {
        pushContact(acts, { at, staff, source, customer, evidence: 'none', reveal, resolved: true });
        continue;
      }
    }
    if (rng.chance(params.coldShare)) {
      const customer = customerIn(org, region, rng);
      pushContact(acts, { at, staff, source, customer, evidence: 'none', reveal: true, resolved: true });
      continue;
    }
    const evidence = channelOf(role, rng.next());
    let customer: number;
    if (
      evidence === 'presence_code' &&
      rng.chance(params.vipShare) &&
      bucketSize(org.vipByRegion, region) > 0
    ) {
      customer = bucketAt(org.vipByRegion, region, rng.int(bucketSize(org.vipByRegion, region)));
    } else {
      const from = rng.chance(params.travellerShare)
        ? (region + 1 + rng.int(regions.length - 1)) % regions.length
        : region;
      customer = customerIn(org, from, rng);
    }
    pushContact(acts, { at, staff, source, customer, evidence, reveal, resolved: true });
  }
}
