/**
 * The decision cache returns what Cedar would: for many random queries, a cached decision equals a fresh
 * evaluation, both through the engine's preparsed set and through a stateless, schema-validated Cedar call.
 * Also: the cache is bounded and emptied when the policy set changes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import {
  type AccessDecision,
  type AccessQuery,
  accessActions,
  caseChannels,
  casePurposes,
  caseRelations,
  normaliseQuery,
  riskTiers,
} from '../../../src/access/policy/access-query.ts';
import { cedarRequest } from '../../../src/access/policy/cedar-request.ts';
import { custosSchema } from '../../../src/access/policy/custos-schema.ts';
import { defaultPolicies } from '../../../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../../../src/access/policy/policy-engine.ts';
import { validatePolicies } from '../../../src/access/policy/policy-validation.ts';
import { staffRoles } from '../../../src/identity/staff/staff.types.ts';
import { sensitivityClasses } from '../../../src/vault/customer-fields.ts';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomQuery(next: () => number): AccessQuery {
  const pick = <T>(values: readonly T[], missing = 0): T | undefined =>
    next() < missing ? undefined : values[Math.floor(next() * values.length)];
  const query: Record<string, unknown> = {
    role: pick(staffRoles),
    action: pick(accessActions),
    fieldClass: pick(sensitivityClasses, 0.2),
    caseRelation: pick(caseRelations),
    purpose: pick(casePurposes, 0.2),
    channel: pick(caseChannels, 0.2),
    customerPresent: next() < 0.5,
    breakGlass: next() < 0.3,
    secondApprover: next() < 0.3,
    riskTier: pick(riskTiers),
  };
  // Now and then a value outside the lists: denied, with errors, whichever path answers.
  if (next() < 0.02) query[pick(Object.keys(query)) as string] = 'bogus';
  return query as unknown as AccessQuery;
}

/** The same question spelt differently: other key order, explicit undefineds, fields Cedar never sees. */
function respelt(query: AccessQuery, next: () => number): AccessQuery {
  const entries = Object.entries(query).sort(() => next() - 0.5);
  const copy = Object.fromEntries(entries) as Record<string, unknown>;
  if (copy.purpose === undefined) copy.purpose = undefined;
  if (query.action !== 'reveal') copy.fieldClass = next() < 0.5 ? 'sensitive' : undefined;
  copy.customerId = `irrelevant-${next()}`;
  return copy as unknown as AccessQuery;
}

const comparable = (d: AccessDecision) => ({
  allow: d.allow,
  policies: [...d.policies].sort(),
  errors: d.errors,
});

const validated = validatePolicies(defaultPolicies);

/** A stateless Cedar call, schema-validated, sharing nothing with the engine but the request builder. */
function statelessCedar(query: AccessQuery): AccessDecision {
  const normalised = normaliseQuery(query);
  if (!normalised.ok) return { allow: false, policies: [], errors: normalised.problems };
  const answer = isAuthorized({
    ...cedarRequest(normalised.query),
    policies: { staticPolicies: validated.byId },
    schema: custosSchema,
    validateRequest: true,
  });
  assert.equal(answer.type, 'success', JSON.stringify(answer));
  if (answer.type !== 'success') throw new Error('unreachable');
  const errors = answer.response.diagnostics.errors.map((e) => `policy ${e.policyId}: ${e.error.message}`);
  return {
    allow: answer.response.decision === 'allow' && errors.length === 0,
    policies: [...answer.response.diagnostics.reason].sort(),
    errors,
  };
}

describe('decision cache', () => {
  test('cached decisions equal fresh Cedar evaluations over 10,000 random queries', () => {
    const engine = createPolicyEngine({ policies: defaultPolicies });
    const next = random(20261201);
    const seen: AccessQuery[] = [];
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) {
      // Half the time ask again, spelt differently, something already asked: that answer comes from the cache.
      const earlier = seen.length > 0 && next() < 0.5 ? seen[Math.floor(next() * seen.length)] : undefined;
      const query = earlier ? respelt(earlier, next) : randomQuery(next);
      if (!earlier) seen.push(query);
      const cached = engine.decide(query);
      assert.deepEqual(comparable(cached), comparable(engine.decideUncached(query)), JSON.stringify(query));
      if (i % 100 === 0) assert.deepEqual(comparable(cached), statelessCedar(query), JSON.stringify(query));
      if (cached.allow) allowed++;
    }
    const { hits, misses } = engine.cacheStats();
    assert.ok(hits > 4000, `cache hits: ${hits}`);
    assert.ok(misses > 4000, `cache misses: ${misses}`);
    assert.ok(allowed > 250, `allowed: ${allowed}`);
  });

  test('replacing the policy set empties the cache', () => {
    const engine = createPolicyEngine({ policies: defaultPolicies });
    const query: AccessQuery = {
      role: 'support',
      action: 'search',
      caseRelation: 'none',
      customerPresent: false,
      breakGlass: false,
      secondApprover: false,
      riskTier: 'normal',
    };
    assert.equal(engine.decide(query).allow, true);
    assert.equal(engine.decide(query).allow, true);
    assert.equal(engine.cacheStats().size, 1);
    const withoutSearch = defaultPolicies.replace(
      '@id("search.frontline")\npermit',
      '@id("search.frontline")\nforbid',
    );
    engine.replace({ policies: withoutSearch, version: 2 });
    assert.equal(engine.version, 2);
    assert.equal(engine.cacheStats().size, 0);
    assert.deepEqual(comparable(engine.decide(query)), {
      allow: false,
      policies: ['search.frontline'],
      errors: [],
    });
  });

  test('an invalid replacement keeps the set in force, and its cache', () => {
    const engine = createPolicyEngine({ policies: defaultPolicies, version: 3 });
    engine.decide(randomQuery(random(1)));
    const before = engine.cacheStats().size;
    assert.throws(() => engine.replace({ policies: 'permit (principal, action, resource)', version: 4 }));
    assert.equal(engine.version, 3);
    assert.equal(engine.cacheStats().size, before);
  });

  test('the cache is bounded', () => {
    const engine = createPolicyEngine({ policies: defaultPolicies, cacheLimit: 50 });
    const next = random(7);
    for (let i = 0; i < 2000; i++) engine.decide(randomQuery(next));
    assert.ok(engine.cacheStats().size <= 50);
  });
});
