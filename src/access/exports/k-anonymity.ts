/**
 * Aggregates that cannot single anyone out: counts grouped by coarse, non-identifying dimensions, with every
 * group smaller than k suppressed (k-anonymity over the released table, k ≥ 10). What leaves is counts and
 * the dimension values of groups of at least k people, never an identifier.
 */
import { CustosError, validationFailed } from '../../platform/errors.ts';

export const MIN_K = 10;

/** Dimensions derivable from a customer's fields, each coarse by construction. */
export const aggregateDimensions = {
  /** e.g. "1980s". */
  birth_decade: { field: 'birth_date', value: (v: string) => `${v.slice(0, 3)}0s` },
  /** The part after @, lower case. */
  email_domain: { field: 'email', value: (v: string) => v.slice(v.lastIndexOf('@') + 1).toLowerCase() },
  /** The mobile network segment: country code and the first three digits. */
  phone_segment: { field: 'phone', value: (v: string) => v.replace(/^(\+86)(\d{3}).*$/, '$1 $2') },
} as const;
export type AggregateDimension = keyof typeof aggregateDimensions;

export interface AggregateRow {
  values: Record<string, string>;
  count: number;
}

export interface AggregateResult {
  k: number;
  dimensions: AggregateDimension[];
  groups: AggregateRow[];
  /** How many groups and people were left out for being smaller than k. */
  suppressedGroups: number;
  suppressedPeople: number;
}

export function validDimensions(input: unknown): AggregateDimension[] {
  const list = Array.isArray(input) ? [...new Set(input)] : [];
  const known = Object.keys(aggregateDimensions);
  if (list.length === 0 || list.length > 3 || list.some((d) => typeof d !== 'string' || !known.includes(d))) {
    throw validationFailed([{ path: 'dimensions', problem: `must list 1–3 of ${known.join(', ')}` }]);
  }
  return list as AggregateDimension[];
}

/**
 * Count people per combination of dimension values; groups under k are suppressed. A person missing a
 * dimension's field counts under "unknown" for it.
 */
export function kAnonymousCounts(
  people: Iterable<Record<string, string | null>>,
  dimensions: readonly AggregateDimension[],
  k: number,
): AggregateResult {
  if (!Number.isInteger(k) || k < MIN_K)
    throw new CustosError('VALIDATION_FAILED', `k must be at least ${MIN_K}`);
  const counts = new Map<string, { values: Record<string, string>; count: number }>();
  for (const person of people) {
    const values: Record<string, string> = {};
    for (const d of dimensions) {
      const spec = aggregateDimensions[d];
      const raw = person[spec.field];
      values[d] = raw ? spec.value(raw) : 'unknown';
    }
    const key = JSON.stringify(dimensions.map((d) => values[d]));
    const group = counts.get(key);
    if (group) group.count++;
    else counts.set(key, { values, count: 1 });
  }
  const groups: AggregateRow[] = [];
  let suppressedGroups = 0;
  let suppressedPeople = 0;
  for (const group of counts.values()) {
    if (group.count >= k) groups.push(group);
    else {
      suppressedGroups++;
      suppressedPeople += group.count;
    }
  }
  groups.sort((a, b) => b.count - a.count);
  return { k, dimensions: [...dimensions], groups, suppressedGroups, suppressedPeople };
}
