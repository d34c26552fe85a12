/**
 * The insider-risk watcher's vocabulary: what it observes (access behaviour only — never anything else
 * about a person), the indicators it scores, and the explanation it gives. Pure types; risk-model.ts
 * computes with them.
 */
/**
 * Tiers, least to most contained: `elevated` steps up every reveal and halves quotas, `high` needs a second
 * approver for each reveal (the policy refuses reveal and break-glass), `critical` suspends the account.
 */
export const riskTiers = ['normal', 'elevated', 'high', 'critical'] as const;
export type RiskTier = (typeof riskTiers)[number];

/** What shows that the customer started an access (DESIGN.md §1 "evidence"); `none` is staff-initiated. */
export const evidenceKinds = [
  'presence_code',
  'inbound_call',
  'portal_request',
  'appointment',
  'none',
] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

/** Whom an insider is curious about: a VIP, a co-worker, someone with the staff member's surname. */
export const specialCustomers = ['vip', 'coworker', 'same_surname'] as const;
export type SpecialCustomer = (typeof specialCustomers)[number];

/**
 * What the access side knows about a reveal beyond its evidence, as flags (never personal data): the model
 * scores them. Absent flags are false.
 */
export interface RevealContext {
  /** The customer started a contact (evidence other than `none`) with this staff member in the last 30 days. */
  followUp?: boolean;
  /** The customer's region is not the staff member's. */
  outOfRegion?: boolean;
  /** Outside the staff member's shift. */
  offShift?: boolean;
  special?: SpecialCustomer;
}

/** HR's word about a staff member (`POST /v1/integrations/hr-signals`). */
export const hrSignals = ['hired', 'resignation_notice', 'leave_start', 'leave_end', 'termination'] as const;
export type HrSignal = (typeof hrSignals)[number];

/** One observed act of a staff member, as the watcher sees it: ids, kinds and counts, no personal data. */
export type WatchEvent =
  | {
      kind: 'reveal';
      at: number;
      staffId: string;
      role: string;
      customerId: string;
      evidence: EvidenceKind;
      breakGlass: boolean;
      /** The case the reveal went through (collusion: two members on one case share its customer). */
      caseId?: string;
      context?: RevealContext;
    }
  | { kind: 'denied'; at: number; staffId: string; role: string; code: string }
  | {
      kind: 'search';
      at: number;
      staffId: string;
      role: string;
      matches: number;
      /** The query continues a pattern of this member's recent queries (consecutive numbers). */
      patterned?: boolean;
    }
  | {
      kind: 'case_closed';
      at: number;
      staffId: string;
      role: string;
      /** Closed with a resolution (not `no_action`). */
      resolved: boolean;
      /** Any field was revealed through the case. */
      revealed: boolean;
    }
  | { kind: 'hr'; at: number; staffId: string; role: string; signal: HrSignal }
  | { kind: 'honey_touch'; at: number; staffId: string; role: string; customerId: string };

export const indicators = [
  /** Cold staff-initiated reveals: no evidence the customer started it and no recent contact from them. */
  'unexplained_reveals',
  /** Staff-initiated follow-ups: no evidence now, but the customer contacted this member in the last 30 days. */
  'follow_ups',
  /** Distinct customers revealed today beyond the allowance from the member's own and the peer baseline. */
  'distinct_customers',
  /** Cases with a reveal closed with no resolution (opened, revealed, closed: the harvest pattern). */
  'no_resolution',
  /** Staff-initiated reveals of customers outside the member's region. */
  'out_of_region',
  /** Staff-initiated reveals outside the member's shift. */
  'off_shift',
  /** Searches that found nobody, beyond a few a day: enumeration. */
  'search_misses',
  /** Searches continuing a pattern of consecutive numbers: enumeration. */
  'patterned_searches',
  /** Staff-initiated reveals of a VIP, a co-worker or a customer with the member's surname: curiosity. */
  'special_customers',
  /** Staff-initiated reveals within 30 days of hiring or after a resignation notice. */
  'hr_window',
  /** Cold reveals of a customer another member revealed cold within 14 days, with no shared case: collusion. */
  'shared_customers',
  /** Break-glass reveals. */
  'break_glass',
  /** Requests refused by policy, case, quota or consent: probing. */
  'refusals',
  /** A second hold (`high`) within 30 days of the last one: a member who waits out a hold and goes on. */
  'repeat_hold',
  /** A honey record touched: certain. */
  'honey_touch',
] as const;
export type Indicator = (typeof indicators)[number];

/** One indicator's part of a score: its value today, the baseline it was held against, its points now. */
export interface Contribution {
  indicator: Indicator;
  /** Today's count for the indicator. */
  value: number;
  /** What the value was held against (distinct customers: the allowance; others: the free allowance). */
  baseline: number;
  /** Points now, after decay (one decimal). */
  points: number;
}

export interface Assessment {
  staffId: string;
  /** 0–100. */
  score: number;
  tier: RiskTier;
  /** Indicators with any points, largest first. */
  contributions: Contribution[];
}
