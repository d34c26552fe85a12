/**
 * The synthetic organisation: staff in roles, sites, regions and shifts, and customers across the same
 * regions, as compact typed arrays (a million customers take about 3 MB plus their indexes). Ids become
 * strings only where the watcher needs them (`staffIdOf`, `customerIdOf`).
 *
 * Times are milliseconds; the organisation works on China time (UTC+8) and the run starts at a China
 * midnight, the same day boundary the risk model uses.
 */
import { createRandom } from './random.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 5 January 2026, 00:00 in China (UTC+8). */
export const EPOCH = Date.UTC(2026, 0, 5) - 8 * HOUR;

export const regions = ['north', 'east', 'south', 'west', 'central', 'northeast'] as const;
/** Share of customers (and staff) per region. */
const regionWeights = [0.2, 0.25, 0.22, 0.13, 0.12, 0.08];

export const roles = ['store', 'support', 'contractor'] as const;
export type SimRole = (typeof roles)[number];
/** Store clerks at the counters, support agents on the phones and portal, contractors for peaks. */
const roleWeights = [0.6, 0.3, 0.1];

export const shifts = [
  { name: 'day', start: 9 * HOUR, end: 17 * HOUR },
  { name: 'evening', start: 14 * HOUR, end: 22 * HOUR },
] as const;
const dayShiftShare = 0.6;

/** Surnames are Zipf-distributed (exponent 1 over 500 names: the commonest is about 15 %, as 王 or 李 nearly are). */
const SURNAMES = 500;
/** Share of customers who are also staff members (co-workers of someone). */
const coworkerShare = 0.01;
const vipShare = 0.001;
const staffPerSite = 25;

export interface Organisation {
  staffCount: number;
  customerCount: number;
  staffRole: Uint8Array;
  staffRegion: Uint8Array;
  staffSite: Uint16Array;
  staffShift: Uint8Array;
  staffSurname: Uint16Array;
  customerRegion: Uint8Array;
  customerSurname: Uint16Array;
  /** 1 = VIP, 2 = a co-worker (a customer who is also staff), 0 = neither. */
  customerSpecial: Uint8Array;
  /** Customers grouped by region: `byRegion.ids[byRegion.start[r] … byRegion.start[r + 1])`. */
  byRegion: Buckets;
  bySurname: Buckets;
  vipByRegion: Buckets;
  coworkerByRegion: Buckets;
  staffIds: string[];
}

export interface Buckets {
  start: Uint32Array;
  ids: Uint32Array;
}

function weightedPick(weights: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

function zipfCumulative(n: number): Float64Array {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) total += 1 / (k + 1);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += 1 / (k + 1) / total;
    cumulative[k] = acc;
  }
  return cumulative;
}

function zipfPick(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cumulative[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Group indexes `0…n-1` by `keyOf` (a counting sort), keeping only those `keep` accepts. */
function bucket(n: number, keys: number, keyOf: (i: number) => number, keep = (_i: number) => true): Buckets {
  const start = new Uint32Array(keys + 1);
  for (let i = 0; i < n; i++) if (keep(i)) start[keyOf(i) + 1]! += 1;
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, keys);
  const ids = new Uint32Array(start[keys]!);
  for (let i = 0; i < n; i++) if (keep(i)) ids[fill[keyOf(i)]!++] = i;
  return { start, ids };
}

/** The number of members in bucket `key`. */
export function bucketSize(b: Buckets, key: number): number {
  return b.start[key + 1]! - b.start[key]!;
}

/** The `i`-th member of bucket `key`. */
export function bucketAt(b: Buckets, key: number, i: number): number {
  return b.ids[b.start[key]! + i]!;
}

/** Build the organisation for a seed (deterministic). */
export function createOrganisation(options: {
  staff: number;
  customers: number;
  seed: number;
}): Organisation {
  const { staff: staffCount, customers: customerCount, seed } = options;
  const zipf = zipfCumulative(SURNAMES);
  const rs = createRandom(seed, 1);
  const staffRole = new Uint8Array(staffCount);
  const staffRegion = new Uint8Array(staffCount);
  const staffSite = new Uint16Array(staffCount);
  const staffShift = new Uint8Array(staffCount);
  const staffSurname = new Uint16Array(staffCount);
  const sitesPerRegion = Math.max(1, Math.ceil(staffCount / staffPerSite / regions.length));
  for (let i = 0; i < staffCount; i++) {
    staffRole[i] = weightedPick(roleWeights, rs.next());
    staffRegion[i] = weightedPick(regionWeights, rs.next());
    staffSite[i] = staffRegion[i]! * sitesPerRegion + rs.int(sitesPerRegion);
    staffShift[i] = rs.chance(dayShiftShare) ? 0 : 1;
    staffSurname[i] = zipfPick(zipf, rs.next());
  }
  const rc = createRandom(seed, 2);
  const customerRegion = new Uint8Array(customerCount);
  const customerSurname = new Uint16Array(customerCount);
  const customerSpecial = new Uint8Array(customerCount);
  for (let i = 0; i < customerCount; i++) {
    customerRegion[i] = weightedPick(regionWeights, rc.next());
    customerSurname[i] = zipfPick(zipf, rc.next());
    const u = rc.next();
    customerSpecial[i] = u < vipShare ? 1 : u < vipShare + coworkerShare ? 2 : 0;
  }
  const R = regions.length;
  return {
    staffCount,
    customerCount,
    staffRole,
    staffRegion,
    staffSite,
    staffShift,
    staffSurname,
    customerRegion,
    customerSurname,
    customerSpecial,
    byRegion: bucket(customerCount, R, (i) => customerRegion[i]!),
    bySurname: bucket(customerCount, SURNAMES, (i) => customerSurname[i]!),
    vipByRegion: bucket(
      customerCount,
      R,
      (i) => customerRegion[i]!,
      (i) => customerSpecial[i] === 1,
    ),
    coworkerByRegion: bucket(
      customerCount,
      R,
      (i) => customerRegion[i]!,
      (i) => customerSpecial[i] === 2,
    ),
    staffIds: Array.from({ length: staffCount }, (_, i) => `s${i}`),
  };
}

/** The watcher's id for a customer index. */
export const customerIdOf = (index: number): string => `c${index}`;

/** Two rest days a week, staggered across staff. */
export function worksOn(staff: number, day: number): boolean {
  return (((day + staff) % 7) + 7) % 7 < 5;
}

/** Is `msInDay` (ms since China midnight) within the staff member's shift? */
export function inShift(org: Organisation, staff: number, msInDay: number): boolean {
  const shift = shifts[org.staffShift[staff]!]!;
  return msInDay >= shift.start && msInDay < shift.end;
}
