/**
 * How security's verdicts feed back into the watch: per alert kind (and, for `risk_tier` alerts, per top
 * indicator), how many alerts were confirmed and how many dismissed as false positives, and the factor by
 * which the watcher may raise that indicator's threshold.
 *
 * Invariant: the factor only ever raises a threshold, and at most doubles it — a run of dismissals cannot
 * switch an indicator off, and confirmations bring it back towards 1.
 */
import type { FeedbackCount } from '../alerts.types.ts';

export const FEEDBACK_STEP = 0.1;
export const FEEDBACK_MAX_FACTOR = 2;

export interface Feedback {
  kind: string;
  indicator?: string;
  confirmed: number;
  falsePositives: number;
  /** Multiply the indicator's threshold by this: 1 + 0.1 × (false positives − confirmed), within [1, 2]. */
  suggestedFactor: number;
}

/**
 * The threshold factor for one kind or indicator.
 *
 * @example suggestedFactor(5, 1) // 1.4: four more false positives than confirmations
 */
export function suggestedFactor(falsePositives: number, confirmed: number): number {
  const raw = 1 + FEEDBACK_STEP * (falsePositives - confirmed);
  // Rounded to tenths so that 0.1 steps do not come out as 1.2000000000000002.
  return Math.min(FEEDBACK_MAX_FACTOR, Math.max(1, Math.round(raw * 10) / 10));
}

export function feedbackOf(count: FeedbackCount): Feedback {
  return {
    kind: count.kind,
    ...(count.indicator === null ? {} : { indicator: count.indicator }),
    confirmed: count.confirmed,
    falsePositives: count.falsePositives,
    suggestedFactor: suggestedFactor(count.falsePositives, count.confirmed),
  };
}

/** The top indicator of a `risk_tier` alert (its data's first indicator), for any other kind null. */
export function topIndicator(alert: { kind: string; data: Record<string, unknown> }): string | null {
  if (alert.kind !== 'risk_tier') return null;
  const indicators = alert.data.indicators;
  const first: unknown = Array.isArray(indicators) ? indicators[0] : undefined;
  const name =
    first !== null && typeof first === 'object' ? (first as { indicator?: unknown }).indicator : undefined;
  return typeof name === 'string' ? name : null;
}
