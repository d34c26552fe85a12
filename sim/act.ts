/**
 * One planned act of a staff member, before the gate decides it: a search, a reveal within a case, a case
 * closure, a refusal the member ran into on their own (a mistyped case id), or an HR signal. Plain numbers,
 * so a day of a 10,000-person organisation (half a million acts) stays cheap to sort and walk.
 */
import type { EvidenceKind } from '../src/watch/risk/risk.types.ts';

export const actKinds = ['search', 'reveal', 'close', 'mistake', 'hr'] as const;
export type ActKind = (typeof actKinds)[number];

/** Who planned the act: honest work, or one of the attack strategies (by name). */
export type ActSource = 'honest' | StrategyName;

export const strategyNames = [
  'bulk_scraper',
  'fabricated_cases',
  'low_and_slow',
  'ring',
  'enumeration',
  'snooping',
] as const;
export type StrategyName = (typeof strategyNames)[number];

export interface Act {
  /** Epoch milliseconds. */
  at: number;
  staff: number;
  kind: ActKind;
  source: ActSource;
  /** The customer index (reveal, close) or -1. */
  customer: number;
  /** Reveal and close: what shows the customer started the contact. */
  evidence: EvidenceKind;
  /** Search: customers found. */
  matches: number;
  /** Search: continues a run of consecutive numbers. */
  patterned: boolean;
  /** Close: with a resolution (not `no_action`). */
  resolved: boolean;
}

/** An act with defaults for the fields its kind does not use. */
export function act(fields: Pick<Act, 'at' | 'staff' | 'kind' | 'source'> & Partial<Act>): Act {
  return {
    customer: -1,
    evidence: 'none',
    matches: 0,
    patterned: false,
    resolved: false,
    ...fields,
  };
}

/**
 * One contact as staff work it: a search that finds the customer, a case, perhaps a reveal a minute later,
 * and the case closed two minutes after that.
 */
export function pushContact(
  acts: Act[],
  c: {
    at: number;
    staff: number;
    source: ActSource;
    customer: number;
    evidence: EvidenceKind;
    reveal: boolean;
    resolved: boolean;
  },
): void {
  const { at, staff, source, customer, evidence } = c;
  acts.push(act({ at, staff, source, kind: 'search', matches: 1 }));
  if (c.reveal) acts.push(act({ at: at + 60_000, staff, source, kind: 'reveal', customer, evidence }));
  acts.push(
    act({ at: at + 180_000, staff, source, kind: 'close', customer, evidence, resolved: c.resolved }),
  );
}
