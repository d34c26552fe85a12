/**
 * `policies/custos.cedarschema` cannot drift from the TypeScript vocabularies: its enums list exactly the
 * roles, purposes, channels, case relations, field classes and risk tiers, and its actions exactly the
 * access actions on the resource types requests use; any difference stops Custos at load.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schemaToJson } from '@cedar-policy/cedar-wasm/nodejs';
import {
  accessActions,
  caseChannels,
  casePurposes,
  caseRelations,
  riskTiers,
} from '../../../src/access/policy/access-query.ts';
import {
  checkedSchema,
  custosSchema,
  custosVocabulary,
  resourceTypes,
} from '../../../src/access/policy/custos-schema.ts';
import { schemaVocabularyProblems } from '../../../src/access/policy/schema-vocabulary.ts';
import { staffRoles } from '../../../src/identity/staff/staff.types.ts';
import { sensitivityClasses } from '../../../src/vault/customer-fields.ts';

const problems = (text: string) => schemaVocabularyProblems(text, custosVocabulary);

/** The schema with `from` replaced by `to` (which must occur). */
function edited(from: string, to: string): string {
  assert.ok(custosSchema.includes(from), from);
  return custosSchema.replace(from, to);
}

describe('schema vocabulary', () => {
  test('the enums in custos.cedarschema list exactly the TypeScript values', () => {
    const answer = schemaToJson(custosSchema);
    if (answer.type !== 'success') assert.fail(JSON.stringify(answer));
    const entityTypes = answer.json['']?.entityTypes ?? {};
    const enumOf = (type: string) => {
      const declared = entityTypes[type];
      return declared && 'enum' in declared ? [...declared.enum].sort() : undefined;
    };
    assert.deepEqual(enumOf('Role'), [...staffRoles].sort());
    assert.deepEqual(enumOf('Purpose'), [...casePurposes].sort());
    assert.deepEqual(enumOf('Channel'), [...caseChannels].sort());
    assert.deepEqual(enumOf('CaseRelation'), [...caseRelations].sort());
    assert.deepEqual(enumOf('SensitivityClass'), [...sensitivityClasses].sort());
    assert.deepEqual(enumOf('RiskTier'), [...riskTiers].sort());
  });

  test('its actions are exactly the access actions, each on the resource type requests use', () => {
    const answer = schemaToJson(custosSchema);
    if (answer.type !== 'success') assert.fail(JSON.stringify(answer));
    const actions = answer.json['']?.actions ?? {};
    assert.deepEqual(Object.keys(actions).sort(), [...accessActions, 'customer_record'].sort());
    for (const action of accessActions) {
      assert.deepEqual(actions[action]?.appliesTo?.resourceTypes, [resourceTypes[action]], action);
    }
    assert.deepEqual(problems(custosSchema), []);
  });

  test('a role only in the schema, or only in TypeScript, is found', () => {
    assert.deepEqual(problems(edited('"security", "admin"]', '"security", "admin", "auditor"]')), [
      'entity Role: the TypeScript side lacks "auditor"',
    ]);
    assert.deepEqual(problems(edited(', "admin"]', ']')), ['entity Role: the schema lacks "admin"']);
  });

  test('every other vocabulary is checked the same way', () => {
    assert.deepEqual(problems(edited('"delivery", ', '')), ['entity Purpose: the schema lacks "delivery"']);
    assert.deepEqual(problems(edited('"portal_request"', '"portal"')), [
      'entity Channel: the schema lacks "portal_request"',
      'entity Channel: the TypeScript side lacks "portal"',
    ]);
    assert.deepEqual(problems(edited('"expired", ', '')), [
      'entity CaseRelation: the schema lacks "expired"',
    ]);
    assert.deepEqual(problems(edited('"identifier", ', '')), [
      'entity SensitivityClass: the schema lacks "identifier"',
    ]);
    assert.deepEqual(problems(edited('"high", ', '')), ['entity RiskTier: the schema lacks "high"']);
    assert.deepEqual(problems(custosSchema.replaceAll('RiskTier', 'Tier')), [
      'enum entity types: the schema lacks "RiskTier"',
      'enum entity types: the TypeScript side lacks "Tier"',
    ]);
  });

  test('a missing, extra or mistyped action is found', () => {
    assert.deepEqual(problems(edited('action staff_manage appliesTo', 'action staff_delete appliesTo')), [
      'actions: the schema lacks "staff_manage"',
      'actions: the TypeScript side lacks "staff_delete"',
    ]);
    assert.deepEqual(problems(edited('resource: Field,', 'resource: Customer,')), [
      'action reveal: must apply to principal Staff, resource Field, context AccessContext',
    ]);
    assert.deepEqual(problems(edited('action search in [customer_record]', 'action search')), [
      'action search\'s groups: the schema lacks "customer_record"',
    ]);
  });

  test('a schema that does not parse is a problem, not a crash', () => {
    const found = problems('entity Role enum [');
    assert.equal(found.length >= 1, true);
    assert.match(found[0] ?? '', /^the schema does not parse: /);
  });

  test('at load, a drifted schema stops Custos with every difference named', () => {
    assert.equal(checkedSchema(custosSchema), custosSchema);
    assert.throws(
      () => checkedSchema(edited('"marketing", ', '')),
      /^Error: policies\/custos\.cedarschema and the TypeScript vocabularies disagree; change both together: entity Role: the schema lacks "marketing"$/,
    );
  });
});
