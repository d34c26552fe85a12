/** Policy text is validated against the Custos schema at load; an invalid set is refused with every problem listed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPolicies } from '../../../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../../../src/access/policy/policy-engine.ts';
import { validatePolicies } from '../../../src/access/policy/policy-validation.ts';
import { type CustosError, errorCatalogue, isCustosError } from '../../../src/platform/errors.ts';

function refused(text: string): CustosError {
  try {
    validatePolicies(text);
  } catch (error) {
    assert.ok(isCustosError(error, 'POLICY_INVALID'), String(error));
    return error;
  }
  assert.fail('the policy set was accepted');
}

describe('policy validation', () => {
  test('the default set validates cleanly, every policy under its @id', () => {
    const { byId, warnings } = validatePolicies(defaultPolicies);
    assert.deepEqual(warnings, []);
    assert.ok(Object.keys(byId).length >= 20);
    assert.ok('reveal.sensitive-needs-second-approver' in byId);
    assert.equal(errorCatalogue.POLICY_INVALID, 422);
  });

  test('a parse error is refused with its line', () => {
    const error = refused('@id("a")\npermit (principal, action, resource)\nwhen { principal.role == };');
    assert.equal(error.status, 422);
    assert.match(error.details?.[0]?.path ?? '', /^line 3$/);
    assert.match(error.message, /The policy set is invalid: line 3: /);
  });

  test('type errors against the schema are refused, each named by its policy @id', () => {
    const text = defaultPolicies
      .replace(
        '@id("search.frontline")\npermit (principal, action == Action::"search", resource)\nwhen { [Role::"store"',
        '@id("search.frontline")\npermit (principal, action == Action::"search", resource)\nwhen { [Role::"stroe"',
      )
      .replace('context.breakGlass };', 'context.brakeGlass };')
      .replace('Action::"ledger_read"', 'Action::"ledger_rread"');
    const error = refused(text);
    const paths = (error.details ?? []).map((d) => d.path);
    assert.ok(paths.includes('policy search.frontline'), JSON.stringify(error.details));
    assert.ok(paths.includes('policy admin.records-only-under-break-glass'), JSON.stringify(error.details));
    assert.ok(paths.includes('policy security.oversight'), JSON.stringify(error.details));
    assert.match(error.message, /stroe/);
  });

  test('a misspelt value in a forbid is refused, not silently dead', () => {
    const error = refused(
      defaultPolicies.replace(
        '[RiskTier::"high", RiskTier::"critical"]',
        '[RiskTier::"hgih", RiskTier::"critical"]',
      ),
    );
    assert.deepEqual(
      (error.details ?? []).map((d) => d.path),
      ['policy risk.high-tiers-no-break-glass'],
    );
  });

  test('a policy needs a unique @id; templates, empty and oversized sets are refused', () => {
    assert.deepEqual(
      refused('permit (principal, action == Action::"search", resource);').details?.map((d) => d.path),
      ['policy 1'],
    );
    const twice = '@id("a") permit (principal, action == Action::"search", resource);\n';
    assert.match(refused(twice + twice).message, /policy a: the @id is used twice/);
    assert.match(
      refused('@id("t") permit (principal == ?principal, action, resource);').message,
      /templates/,
    );
    assert.match(refused('  \n').message, /empty/);
    assert.match(refused('// nothing but a comment\n').message, /no policy/);
    assert.match(refused(`${twice}//${'x'.repeat(70_000)}`).message, /larger than/);
  });

  test('an attribute that exists on another entity type is still a type error', () => {
    // `class` belongs to Field, not Customer: view's resource has no class.
    const error = refused(
      '@id("v") permit (principal, action == Action::"view", resource) when { resource.class == SensitivityClass::"basic" };',
    );
    assert.deepEqual(
      error.details?.map((d) => d.path),
      ['policy v'],
    );
  });

  test('the engine refuses an invalid set at construction, and is reachable statically', () => {
    assert.throws(
      () => createPolicyEngine({ policies: 'permit (principal, action, resource' }),
      (e) => isCustosError(e, 'POLICY_INVALID'),
    );
    assert.equal(createPolicyEngine.validatePolicies, validatePolicies);
  });
});
