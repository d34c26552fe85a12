/**
 * What marketing aggregates group by: coarse, non-identifying dimensions, each with a fixed, public domain of
 * values (decades, a list of mail domains, mobile segments, plus `other` and `unknown`). The domain is fixed
 * so that which groups exist says nothing about who is in the data: a customer's value maps into the domain,
 * never out of it (a foreign phone is `other`, not its digits). `aggregateCounts` counts people per cell of
 * the domain; differential-privacy.ts noises the counts and suppresses those under k.
 */
import { validationFailed } from '../../platform/errors.ts';

export const MIN_K = 10;

const decades = Array.from({ length: 13 }, (_, i) => `${1900 + i * 10}s`);
/** Public webmail providers, and the documentation domains the demo organisation uses. */
export const mailDomains = [
  'qq.com',
  '163.com',
  '126.com',
  'sina.com',
  'sohu.com',
  'foxmail.com',
  '139.com',
  'aliyun.com',
  'yeah.net',
  'gmail.com',
  'outlook.com',
  'hotmail.com',
  'icloud.com',
  'yahoo.com',
  'example.com',
  'example.cn',
  'example.net',
  'example.org',
  'mail.example.org',
];
const segments = Array.from({ length: 70 }, (_, i) => `+86 ${130 + i}`);

/** Dimensions derivable from a customer's fields, each coarse by construction and closed over its domain. */
export const aggregateDimensions = {
  /** e.g. "1980s" (1900s–2020s). */
  birth_decade: {
    field: 'birth_date',
    domain: decades,
    value: (v: string) => `${v.slice(0, 3)}0s`,
  },
  /** The part after @, lower case, if it is one of `mailDomains`. */
  email_domain: {
    field: 'email',
    domain: mailDomains,
    value: (v: string) => v.slice(v.lastIndexOf('@') + 1).toLowerCase(),
  },
  /** The mainland mobile segment: +86 and the first three digits (130–199). */
  phone_segment: {
    field: 'phone',
    domain: segments,
    value: (v: string) => v.replace(/^\+86\s*(1\d{2})[\d\s]*$/, '+86 $1'),
  },
} as const;
export type AggregateDimension = keyof typeof aggregateDimensions;

/** A value outside a dimension's list, and a customer who lacks the field. */
export const OTHER = 'other';
export const UNKNOWN = 'unknown';

/** Every value a dimension can take: its list, then `other` and `unknown`. */
export function domainOf(dimension: AggregateDimension): string[] {
  return [...aggregateDimensions[dimension].domain, OTHER, UNKNOWN];
}

/** The value of one dimension for one raw field value (`null`: the customer lacks the field). */
export function dimensionValue(dimension: AggregateDimension, raw: string | null): string {
  if (!raw) return UNKNOWN;
  const spec = aggregateDimensions[dimension];
  const value = spec.value(raw);
  return (spec.domain as readonly string[]).includes(value) ? value : OTHER;
}

export interface AggregateRow {
  values: Record<string, string>;
  count: number;
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
 * The exact count of people in every cell of the dimensions' joint domain (cells with nobody count 0): the
 * input of the noise, never released as such.
 */
export function aggregateCounts(
  people: Iterable<Record<string, string | null>>,
  dimensions: readonly AggregateDimension[],
): AggregateRow[] {
  let cells: Record<string, string>[] = [{}];
  for (const d of dimensions) cells = cells.flatMap((cell) => domainOf(d).map((v) => ({ ...cell, [d]: v })));
  const key = (values: Record<string, string>) => dimensions.map((d) => values[d]).join('\u0000');
  const rows = new Map(cells.map((values) => [key(values), { values, count: 0 }]));
  for (const person of people) {
    const values: Record<string, string> = {};
    for (const d of dimensions) values[d] = dimensionValue(d, person[aggregateDimensions[d].field] ?? null);
    (rows.get(key(values)) as AggregateRow).count++;
  }
  return [...rows.values()];
}
