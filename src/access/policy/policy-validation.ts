/**
 * Turning policy text into a policy set Cedar can run, or refusing it.
 *
 * Invariant: text that reaches the engine parsed, has one unique `@id` per policy, has no templates, and
 * validated against the Custos schema in strict mode with no error. Anything else is a `POLICY_INVALID`
 * that lists every problem found (with line numbers for parse errors and the policy's `@id` for type
 * errors), so whoever proposed it can fix it in one go.
 */
import {
  type DetailedError,
  policySetTextToParts,
  policyToJson,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
import { CustosError, type FieldProblem } from '../../platform/errors.ts';
import { custosSchema } from './custos-schema.ts';

/** Policy text larger than this is refused before parsing (the default set is ~6 KiB). */
export const MAX_POLICY_TEXT = 64 * 1024;
const ID = /^[A-Za-z0-9_.:-]{1,100}$/;

export interface ValidatedPolicies {
  /** The text as given. */
  text: string;
  /** Each policy's text by its `@id`, as Cedar is given it (so decisions report `@id`s). */
  byId: Record<string, string>;
  /** Validator warnings (e.g. a policy that can never apply): reported, not refused. */
  warnings: string[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function describe(error: DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

function refuse(problems: FieldProblem[]): never {
  const summary = problems
    .slice(0, 5)
    .map((p) => `${p.path}: ${p.problem}`)
    .join('; ');
  const more = problems.length > 5 ? ` and ${problems.length - 5} more` : '';
  throw new CustosError('POLICY_INVALID', `The policy set is invalid: ${summary}${more}`, {
    details: problems,
  });
}

/**
 * Parse and validate policy text against the Custos schema; throws `POLICY_INVALID` listing every problem.
 *
 * @example
 *   const { byId } = validatePolicies('@id("a") permit (principal, action == Action::"search", resource);');
 */
export function validatePolicies(text: string): ValidatedPolicies {
  if (typeof text !== 'string' || text.trim() === '') refuse([{ path: 'policies', problem: 'empty' }]);
  if (Buffer.byteLength(text) > MAX_POLICY_TEXT) {
    refuse([{ path: 'policies', problem: `larger than ${MAX_POLICY_TEXT} bytes` }]);
  }
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') {
    refuse(
      parts.errors.map((e) => ({
        path: `line ${lineOf(text, e.sourceLocations?.[0]?.start ?? 0)}`,
        problem: describe(e),
      })),
    );
  }
  const problems: FieldProblem[] = [];
  if (parts.policy_templates.length > 0)
    problems.push({ path: 'policies', problem: 'templates are not supported' });
  if (parts.policies.length === 0) problems.push({ path: 'policies', problem: 'no policy' });
  const byId: Record<string, string> = {};
  parts.policies.forEach((policy, i) => {
    const json = policyToJson(policy);
    const id = json.type === 'success' ? json.json.annotations?.id : undefined;
    const where = `policy ${i + 1}`;
    if (typeof id !== 'string' || !ID.test(id)) {
      problems.push({ path: where, problem: 'needs an @id("…") annotation of letters, digits and ._:-' });
    } else if (Object.hasOwn(byId, id)) {
      problems.push({ path: `policy ${id}`, problem: 'the @id is used twice' });
    } else {
      byId[id] = policy;
    }
  });
  if (problems.length > 0) refuse(problems);

  const answer = validate({
    schema: custosSchema,
    policies: { staticPolicies: byId },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure')
    refuse(answer.errors.map((e) => ({ path: 'policies', problem: describe(e) })));
  if (answer.validationErrors.length > 0) {
    refuse(
      answer.validationErrors.map((e) => ({ path: `policy ${e.policyId}`, problem: describe(e.error) })),
    );
  }
  const warnings = [
    ...answer.validationWarnings.map((w) => `policy ${w.policyId}: ${describe(w.error)}`),
    ...answer.otherWarnings.map(describe),
  ];
  return { text, byId, warnings };
}
