/**
 * Validation of customer input: every field normalised, every problem named with its field and what was
 * expected, never with the offending value (it may be personal data).
 */
import { type FieldProblem, validationFailed } from '../platform/errors.ts';
import {
  ATTRIBUTE_KEY,
  type FieldName,
  fieldNames,
  fieldSpecs,
  MAX_ATTRIBUTE_LENGTH,
  MAX_ATTRIBUTES,
} from './customer-fields.ts';
import type { NormalisedCustomer } from './vault.types.ts';

const known = new Set<string>([...fieldNames, 'attributes']);

function normaliseAttributes(
  value: unknown,
  problems: FieldProblem[],
): Record<string, string> | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: 'attributes', problem: 'must be an object of strings' });
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES)
    problems.push({ path: 'attributes', problem: `at most ${MAX_ATTRIBUTES} keys` });
  const out: Record<string, string> = {};
  for (const [key, raw] of entries) {
    if (!ATTRIBUTE_KEY.test(key)) {
      problems.push({ path: 'attributes', problem: 'keys must be lower-case letters, digits and _ (1–40)' });
    } else if (typeof raw !== 'string' || raw.length > MAX_ATTRIBUTE_LENGTH || /\p{Cc}/u.test(raw)) {
      problems.push({
        path: `attributes.${key}`,
        problem: `must be a string of at most ${MAX_ATTRIBUTE_LENGTH} characters`,
      });
    } else {
      out[key] = raw.normalize('NFKC');
    }
  }
  return out;
}

/**
 * Normalise a create (`partial: false`, name required) or a correction (`partial: true`). Throws
 * VALIDATION_FAILED listing every problem at once.
 */
export function normaliseCustomerInput(input: unknown, options: { partial: boolean }): NormalisedCustomer {
  const problems: FieldProblem[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationFailed([{ path: '$', problem: 'must be a JSON object' }]);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.has(key)) problems.push({ path: key, problem: 'is not a customer field' });
  }
  const out: NormalisedCustomer = {};
  for (const field of fieldNames) {
    const raw = record[field];
    if (raw === undefined) continue;
    if (raw === null || raw === '') {
      if (options.partial) out[field] = null;
      continue;
    }
    if (typeof raw !== 'string') {
      problems.push({ path: field, problem: 'must be a string' });
      continue;
    }
    const value = fieldSpecs[field].normalise(raw);
    if (value === null) problems.push({ path: field, problem: `must be ${fieldSpecs[field].expected}` });
    else out[field as FieldName] = value;
  }
  const attributes = normaliseAttributes(record.attributes, problems);
  if (attributes !== undefined) out.attributes = attributes;
  if (!options.partial && !out.name) problems.push({ path: 'name', problem: 'is required' });
  if (options.partial && out.name === null) problems.push({ path: 'name', problem: 'cannot be cleared' });
  if (problems.length > 0) throw validationFailed(problems);
  return out;
}
