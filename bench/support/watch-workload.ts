/**
 * A working day of staff acts as the insider-risk watcher sees them (`WatchEvent`s), for `npm run
 * bench:watch`: deterministic, so two runs score the same acts. Each member works cases: a case starts with
 * a customer (drawn from the whole customer base), gets a few reveals and searches, and is closed. The mix
 * per act: ~60 % reveals with evidence the customer started them, ~5 % staff-initiated reveals (some with
 * context flags), ~20 % searches (a few finding nobody, a few patterned), ~10 % case closures, ~5 % refusals.
 */
import type { BusEvent } from '../../src/platform/bus.ts';
import type { EvidenceKind, RevealContext, WatchEvent } from '../../src/watch/risk/risk.types.ts';

const HOUR = 3_600_000;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` ids shaped like Custos's (UUID v4 text), deterministic. */
export function uuids(next: () => number, count: number): string[] {
  const hex = (n: number) =>
    Math.floor(next() * 16 ** n)
      .toString(16)
      .padStart(n, '0');
  return Array.from({ length: count }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
}

const roles = ['store', 'store', 'store', 'support', 'support', 'contractor'] as const;
export const roleOf = (staffIndex: number): string => roles[staffIndex % roles.length]!;

const withEvidence: EvidenceKind[] = ['presence_code', 'inbound_call', 'portal_request', 'appointment'];

/** What one member is doing right now: the case open and its customer. */
interface Desk {
  caseId: string;
  customerId: string;
  revealed: boolean;
}

export interface Workforce {
  staffIds: string[];
  customerIds: string[];
}

/**
 * A generator of acts: `act(staffIndex, at)` is that member's next act at `at`. Members keep their open case
 * between calls, so a reveal usually concerns the case's customer (a customer is revealed ~2–3 times).
 */
export function actGenerator(work: Workforce, seed: number) {
  const next = random(seed);
  const desks = new Map<number, Desk>();
  let cases = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const newDesk = (): Desk => ({
    caseId: `case-${(cases++).toString(36)}`,
    customerId: pick(work.customerIds),
    revealed: false,
  });

  return function act(staffIndex: number, at: number): WatchEvent {
    const staffId = work.staffIds[staffIndex]!;
    const role = roleOf(staffIndex);
    let desk = desks.get(staffIndex);
    if (!desk) desks.set(staffIndex, (desk = newDesk()));
    const r = next();
    if (r < 0.65) {
      desk.revealed = true;
      const base = { kind: 'reveal', at, staffId, role, customerId: desk.customerId, caseId: desk.caseId };
      if (r < 0.6) return { ...base, kind: 'reveal', evidence: pick(withEvidence), breakGlass: false };
      const f = next();
      const context: RevealContext = {
        ...(f < 0.5 ? { followUp: true } : {}),
        ...(next() < 0.1 ? { outOfRegion: true } : {}),
        ...(next() < 0.05 ? { offShift: true } : {}),
        ...(next() < 0.01 ? { special: 'vip' as const } : {}),
      };
      return { ...base, kind: 'reveal', evidence: 'none', breakGlass: false, context };
    }
    if (r < 0.85) {
      const matches = next() < 0.1 ? 0 : 1;
      return { kind: 'search', at, staffId, role, matches, ...(next() < 0.02 ? { patterned: true } : {}) };
    }
    if (r < 0.95) {
      const closed: WatchEvent = {
        kind: 'case_closed',
        at,
        staffId,
        role,
        resolved: next() < 0.9,
        revealed: desk.revealed,
      };
      desks.set(staffIndex, newDesk());
      return closed;
    }
    return { kind: 'denied', at, staffId, role, code: pick(['CASE_NOT_ASSIGNED', 'QUOTA_EXCEEDED']) };
  };
}

/** Midnight UTC of the bench's first day; a working day runs 09:00–17:00 in the watcher's zone (UTC+8). */
export const firstDay = Date.UTC(2026, 11, 7);
export const dayStart = (day: number): number => firstDay + day * 24 * HOUR + HOUR; // 09:00 at UTC+8

/**
 * `count` acts of one working day, in time order, spread evenly over 8 hours, each by a member drawn at
 * random (so ~count / staff acts each).
 */
export function workday(
  act: ReturnType<typeof actGenerator>,
  staffCount: number,
  day: number,
  count: number,
  next: () => number,
): WatchEvent[] {
  const start = dayStart(day);
  const step = (8 * HOUR) / count;
  const events = new Array<WatchEvent>(count);
  for (let i = 0; i < count; i++)
    events[i] = act(Math.floor(next() * staffCount), Math.floor(start + i * step));
  return events;
}

/** A reveal as the bus delivers it to the watcher (`access.decided`, allowed). */
export function revealDecision(event: Extract<WatchEvent, { kind: 'reveal' }>): BusEvent<'access.decided'> {
  return {
    type: 'access.decided',
    at: event.at,
    data: {
      staffId: event.staffId,
      role: event.role,
      action: 'reveal',
      allowed: true,
      customerId: event.customerId,
      ...(event.caseId === undefined ? {} : { caseId: event.caseId }),
      fields: ['phone'],
      breakGlass: event.breakGlass,
      evidence: event.evidence,
      ...(event.context === undefined ? {} : { context: event.context }),
    },
  };
}
