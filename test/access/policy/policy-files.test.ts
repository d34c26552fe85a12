/**
 * The default policy set and schema are the `.cedar` files in `policies/`: they load from any working
 * directory, validate against each other the way `cedar validate` does (no error, no warning), give every
 * policy a unique `@id`, and a typo in them is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  schemaToJson,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
import { custosSchema } from '../../../src/access/policy/custos-schema.ts';
import { defaultPolicies } from '../../../src/access/policy/default-policies.ts';
import { policiesFolder, readPolicyFile } from '../../../src/access/policy/policy-files.ts';
import { validatePolicies } from '../../../src/access/policy/policy-validation.ts';
import { isCustosError } from '../../../src/platform/errors.ts';

const policiesFile = new URL('../../../policies/custos.cedar', import.meta.url);
const schemaFile = new URL('../../../policies/custos.cedarschema', import.meta.url);

/** `cedar validate --schema policies/custos.cedarschema --policies <text>`, through cedar-wasm. */
function cedarValidate(policies: string) {
  const parts = policySetTextToParts(policies);
  assert.equal(parts.type, 'success', JSON.stringify(parts));
  if (parts.type !== 'success') throw new Error('unreachable');
  const answer = validate({
    schema: readFileSync(schemaFile, 'utf8'),
    policies: { staticPolicies: Object.fromEntries(parts.policies.map((p, i) => [`policy${i}`, p])) },
    validationSettings: { mode: 'strict' },
  });
  assert.equal(answer.type, 'success', JSON.stringify(answer));
  if (answer.type !== 'success') throw new Error('unreachable');
  return answer;
}

describe('policy files', () => {
  test('the default set and schema are the files in policies/', () => {
    assert.equal(defaultPolicies, readFileSync(policiesFile, 'utf8'));
    assert.equal(custosSchema, readFileSync(schemaFile, 'utf8'));
    assert.equal(new URL('custos.cedar', policiesFolder).href, policiesFile.href);
  });

  test('they load whatever the working directory', () => {
    const modules = ['default-policies.ts', 'custos-schema.ts'].map(
      (name) => new URL(`../../../src/access/policy/${name}`, import.meta.url).href,
    );
    const script = `
      const { defaultPolicies } = await import(${JSON.stringify(modules[0])});
      const { custosSchema } = await import(${JSON.stringify(modules[1])});
      console.log(defaultPolicies.length, custosSchema.length);`;
    const out = execFileSync(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script],
      { cwd: tmpdir(), encoding: 'utf8' },
    );
    assert.equal(out.trim(), `${defaultPolicies.length} ${custosSchema.length}`);
  });

  test('the schema parses with no warning', () => {
    assert.deepEqual(checkParseSchema(custosSchema), { type: 'success' });
    const json = schemaToJson(custosSchema);
    assert.equal(json.type, 'success', JSON.stringify(json));
    assert.deepEqual(json.type === 'success' && json.warnings, []);
  });

  test('custos.cedar validates against custos.cedarschema with no error and no warning', () => {
    const answer = cedarValidate(defaultPolicies);
    assert.deepEqual(answer.validationErrors, []);
    assert.deepEqual(answer.validationWarnings, []);
    assert.deepEqual(answer.otherWarnings, []);
    assert.deepEqual(validatePolicies(defaultPolicies).warnings, []);
  });

  test('every policy has an @id, and no @id is used twice', () => {
    const parts = policySetTextToParts(defaultPolicies);
    if (parts.type !== 'success') assert.fail(JSON.stringify(parts));
    const ids = parts.policies.map((policy) => {
      const json = policyToJson(policy);
      return json.type === 'success' ? json.json.annotations?.id : undefined;
    });
    assert.ok(ids.length >= 20);
    assert.ok(
      ids.every((id) => typeof id === 'string'),
      JSON.stringify(ids),
    );
    assert.equal(new Set(ids).size, ids.length, `repeated: ${ids.filter((id, i) => ids.indexOf(id) !== i)}`);
    assert.equal(Object.keys(validatePolicies(defaultPolicies).byId).length, ids.length);
  });

  test('a typo in a role is refused, by Cedar and by Custos', () => {
    const typo = defaultPolicies.replace(
      '@id("marketing.aggregates")\npermit (principal, action == Action::"aggregate", resource)\nwhen { principal.role == Role::"marketing" };',
      '@id("marketing.aggregates")\npermit (principal, action == Action::"aggregate", resource)\nwhen { principal.role == Role::"marketting" };',
    );
    assert.notEqual(typo, defaultPolicies);
    const answer = cedarValidate(typo);
    assert.equal(answer.validationErrors.length, 1, JSON.stringify(answer.validationErrors));
    assert.match(answer.validationErrors[0]?.error.message ?? '', /marketting/);
    assert.throws(
      () => validatePolicies(typo),
      (error) =>
        isCustosError(error, 'POLICY_INVALID') &&
        error.details?.map((d) => d.path).join() === 'policy marketing.aggregates' &&
        /marketting/.test(error.message),
    );
  });

  test('a missing file is an error naming its path', () => {
    assert.throws(
      () => readPolicyFile('missing.cedar'),
      /Cannot read the Cedar file .*policies\/missing\.cedar/,
    );
  });
});
