/**
 * Differential privacy for marketing aggregates: every cell of the dimensions' fixed domain gets independent
 * two-sided geometric noise (the discrete Laplace mechanism) before anything is compared or released, then
 * cells whose noisy count is under the release threshold are suppressed.
 *
 * Why this is ε-differentially private: adding or removing one customer (a consent withdrawn between two
 * aggregates, one more dimension splitting a group) changes exactly one cell by one, so the histogram has
 * L1 sensitivity 1, and geometric noise with α = e^-ε makes the two outputs' probabilities differ by at most
 * a factor e^ε. Suppression and totals are computed from the noisy counts only (post-processing), so they
 * spend nothing more. Sequential aggregates add their ε up: privacy-budget.ts caps the sum per requester.
 * The reasoning and the figures are in docs/AGGREGATES.md.
 *
 * The noise is integer-valued (no floating-point Laplace, whose low bits leak) and drawn from the operating
 * system's CSPRNG.
 */
import { randomBytes } from 'node:crypto';
import { CustosError } from '../../platform/errors.ts';
import { type AggregateRow, MIN_K } from './k-anonymity.ts';

/** A uniform number in (0, 1). */
export type Uniform = () => number;

/** 53 random bits from the CSPRNG, mapped into the open interval (0, 1). */
export const cryptoUniform: Uniform = () => {
  const bytes = randomBytes(7);
  const high = (bytes.readUIntBE(0, 3) & 0x1f_ffff) * 2 ** 32; // 21 bits
  return (high + bytes.readUInt32BE(3) + 0.5) / 2 ** 53;
};

/** How rarely a cell with nobody in it may be released: it would be a group that does not exist. */
export const FALSE_GROUP_PROBABILITY = 1e-6;

/**
 * A draw of two-sided geometric noise: P(Z = z) = (1 − α)/(1 + α) · α^|z| with α = e^−ε; the difference of
 * two geometric draws. Variance 2α/(1 − α)².
 */
export function geometricNoise(epsilon: number, uniform: Uniform = cryptoUniform): number {
  const lnAlpha = -epsilon;
  const draw = () => Math.floor(Math.log(uniform()) / lnAlpha);
  return draw() - draw();
}

/**
 * The least noisy count released: at least k, and high enough that an empty cell reaches it with
 * probability at most `FALSE_GROUP_PROBABILITY` (P(Z ≥ t) = α^t / (1 + α)). For ε = 0.25 it is 53.
 */
export function releaseThreshold(epsilon: number, k: number): number {
  const alpha = Math.exp(-epsilon);
  const t = Math.ceil(Math.log(FALSE_GROUP_PROBABILITY * (1 + alpha)) / Math.log(alpha));
  return Math.max(k, t);
}

export interface PrivateAggregate {
  k: number;
  epsilon: number;
  /** The least noisy count a released group has. */
  threshold: number;
  /** Released groups: their noisy counts, every one at least `threshold`. */
  groups: AggregateRow[];
  /** Cells of the domain left out, and the people in them by the noisy counts (never below 0). */
  suppressedGroups: number;
  suppressedPeople: number;
}

/**
 * Noise every cell, then release those whose noisy count reaches the threshold, largest first.
 *
 * @example releasePrivately(aggregateCounts(people, ['birth_decade']), { k: 10, epsilon: 0.25 })
 */
export function releasePrivately(
  cells: readonly AggregateRow[],
  options: { k: number; epsilon: number; uniform?: Uniform },
): PrivateAggregate {
  const { k, epsilon } = options;
  if (!Number.isInteger(k) || k < MIN_K)
    throw new CustosError('VALIDATION_FAILED', `k must be at least ${MIN_K}`);
  if (!(epsilon > 0)) throw new CustosError('VALIDATION_FAILED', 'ε must be above 0');
  const threshold = releaseThreshold(epsilon, k);
  const groups: AggregateRow[] = [];
  let noisyTotal = 0;
  let released = 0;
  for (const cell of cells) {
    const noisy = cell.count + geometricNoise(epsilon, options.uniform);
    noisyTotal += noisy;
    if (noisy >= threshold) {
      groups.push({ values: cell.values, count: noisy });
      released += noisy;
    }
  }
  groups.sort((a, b) => b.count - a.count);
  return {
    k,
    epsilon,
    threshold,
    groups,
    suppressedGroups: cells.length - groups.length,
    suppressedPeople: Math.max(0, noisyTotal - released),
  };
}
