/**
 * The policy engine: answers `AccessQuery`s from the live Cedar policy set, fast enough for the reveal path.
 *
 * Why a cache is sound. One Cedar evaluation costs ~80 µs for a tiny set and 200–370 µs for the default
 * set of 24 policies on this machine (`npm run bench:decision`), too much to pay on every request. But the
 * entities and context built for a query (cedar-request.ts) contain nothing beyond the query's own fields —
 * no customer id, no staff id, no time — and Cedar has no clock, no randomness and no I/O. So a decision is
 * a pure function of (policy set, normalised query). Memoising it by the query's compact key (one character
 * per field, access-query.ts) for as long as the policy set stays the same returns exactly what Cedar
 * would: `replace` empties the cache, and test/access/policy/decision-cache.test.ts checks cached against
 * fresh evaluations over many random queries. The domain is finite (about 540,000 keys; a working day uses some
 * 13,000), and the cache is bounded anyway. Consequence for policy authors: a policy that names a particular staff member or
 * customer can never match — per-person rules (grants, quotas) belong to the access service, not here.
 *
 * Fails closed: an unknown value in a query, a Cedar error of any kind, or an error inside any policy's
 * evaluation (which Cedar would otherwise skip — skipping an erroring `forbid` would allow) gives a deny
 * with `errors` filled. `decide` never throws. Only clean evaluations are cached.
 */
import { createHash } from 'node:crypto';
import { preparsePolicySet, preparseSchema, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import {
  type AccessDecision,
  type AccessQuery,
  type NormalisedQuery,
  normaliseQuery,
  queryKey,
  queryProblems,
} from './access-query.ts';
import { cedarRequest } from './cedar-request.ts';
import { custosSchema } from './custos-schema.ts';
import { createDecisionCache } from './decision-cache.ts';
import { type ValidatedPolicies, validatePolicies } from './policy-validation.ts';

export { validatePolicies } from './policy-validation.ts';

const SCHEMA_NAME = 'custos';
/** Above the number of distinct queries in practical use; a guard, not a tuning knob. */
export const DEFAULT_CACHE_LIMIT = 100_000;

export interface PolicyEngineOptions {
  /** Cedar policy text; validated here (throws `POLICY_INVALID`). */
  policies: string;
  /** The stored version of this text; 1 for the default set. */
  version?: number;
  cacheLimit?: number;
}

let schemaPrepared = false;

function prepareSchema(): void {
  if (schemaPrepared) return;
  const answer = preparseSchema(SCHEMA_NAME, custosSchema);
  if (answer.type === 'failure') throw new Error(`Custos Cedar schema: ${answer.errors[0]?.message}`);
  schemaPrepared = true;
}

/** Cedar keeps preparsed sets by name: name each by its content, so equal texts share one parse. */
function prepareSet(validated: ValidatedPolicies): string {
  const id = `custos:${createHash('sha256').update(JSON.stringify(validated.byId)).digest('hex').slice(0, 32)}`;
  const answer = preparsePolicySet(id, { staticPolicies: validated.byId });
  if (answer.type === 'failure')
    throw new Error(`Cedar refused a validated policy set: ${answer.errors[0]?.message}`);
  return id;
}

const denied = (errors: string[], policies: string[] = []): AccessDecision =>
  Object.freeze({
    allow: false,
    policies: Object.freeze(policies) as string[],
    errors: Object.freeze(errors) as string[],
  });

function evaluate(setId: string, query: NormalisedQuery): { decision: AccessDecision; clean: boolean } {
  try {
    const answer = statefulIsAuthorized({
      ...cedarRequest(query),
      preparsedPolicySetId: setId,
      preparsedSchemaName: SCHEMA_NAME,
      validateRequest: true,
    });
    if (answer.type === 'failure') {
      return { decision: denied(answer.errors.map((e) => `cedar: ${e.message}`)), clean: false };
    }
    const { decision, diagnostics } = answer.response;
    const policies = [...diagnostics.reason].sort();
    const errors = diagnostics.errors.map((e) => `policy ${e.policyId}: ${e.error.message}`);
    if (errors.length > 0) return { decision: denied(errors, policies), clean: true };
    return {
      decision: Object.freeze({
        allow: decision === 'allow',
        policies: Object.freeze(policies) as string[],
        errors: Object.freeze([]) as unknown as string[],
      }),
      clean: true,
    };
  } catch (error) {
    return { decision: denied([`cedar: ${(error as Error)?.message ?? 'evaluation failed'}`]), clean: false };
  }
}

/**
 * Build an engine over a policy text (throws `POLICY_INVALID` if it does not validate).
 *
 * @example
 *   const engine = createPolicyEngine({ policies: defaultPolicies });
 *   engine.decide({ role: 'support', action: 'view', caseRelation: 'assigned_open', customerPresent: false,
 *     breakGlass: false, secondApprover: false, riskTier: 'normal' }); // { allow: true, … }
 */
export function createPolicyEngine(options: PolicyEngineOptions) {
  prepareSchema();
  const cache = createDecisionCache(options.cacheLimit ?? DEFAULT_CACHE_LIMIT);
  let validated = validatePolicies(options.policies);
  let setId = prepareSet(validated);
  let version = options.version ?? 1;

  function decideUncached(query: AccessQuery): AccessDecision {
    const normalised = normaliseQuery(query);
    if (!normalised.ok) return denied(normalised.problems);
    return evaluate(setId, normalised.query).decision;
  }

  return {
    /** The stored version of the policy set in force. */
    get version(): number {
      return version;
    },
    get text(): string {
      return validated.text;
    },
    /** Validator warnings about the set in force. */
    get warnings(): readonly string[] {
      return validated.warnings;
    },

    /** The decision for one query: from the cache when this question was asked under this policy set. */
    decide(query: AccessQuery): AccessDecision {
      try {
        const key = queryKey(query);
        if (key === undefined) return denied(queryProblems(query));
        const cached = cache.get(key);
        if (cached) return cached;
        const normalised = normaliseQuery(query);
        if (!normalised.ok) return denied(normalised.problems);
        const { decision, clean } = evaluate(setId, normalised.query);
        if (clean) cache.set(key, decision);
        return decision;
      } catch {
        // Only a hostile query object (a throwing getter, a proxy) gets here.
        return denied(['query: could not be read']);
      }
    },

    /** The same decision, always evaluated by Cedar (for tests and benchmarks). */
    decideUncached,

    /** Put another policy set in force; throws `POLICY_INVALID` and keeps the current one if it is invalid. */
    replace(next: { policies: string; version: number }): void {
      const nextValidated = validatePolicies(next.policies);
      const nextId = prepareSet(nextValidated);
      validated = nextValidated;
      setId = nextId;
      version = next.version;
      cache.clear();
    },

    cacheStats: () => cache.stats(),
  };
}

/** The static check, also reachable from the factory: `createPolicyEngine.validatePolicies(text)`. */
createPolicyEngine.validatePolicies = validatePolicies;

export type PolicyEngine = ReturnType<typeof createPolicyEngine>;
