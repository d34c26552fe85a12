/**
 * Does a Cedar schema speak exactly the vocabulary the TypeScript side builds requests from?
 *
 * Why it matters: an `AccessQuery` becomes Cedar entities and an action by name (cedar-request.ts). A value
 * known only to TypeScript (a new role) would be refused by Cedar at request time — every such query
 * denied with an error; a value known only to the schema would let a policy name something no query ever
 * carries — a rule that never matches. So the schema's enums must list exactly TypeScript's values, and its
 * actions exactly TypeScript's actions, each on the resource type requests use. This reads the schema
 * through Cedar's own parser (`schemaToJson`), so it judges what Cedar will see, not the text's layout.
 */
import { type ActionType, type SchemaJson, schemaToJson } from '@cedar-policy/cedar-wasm/nodejs';

/** What the TypeScript side expects a schema to declare (names are Cedar type and action names). */
export interface SchemaVocabulary {
  /** Enum entity type → its values, e.g. `Role` → the staff roles. */
  enums: Record<string, readonly string[]>;
  /** Action → the entity type of its resource. */
  actions: Record<string, string>;
  /** Action group → its member actions, e.g. `customer_record` → view, search, … */
  groups: Record<string, readonly string[]>;
  /** The principal type of every action. */
  principal: string;
  /** The common type every action's context is. */
  context: string;
}

const quoted = (values: Iterable<string>) => [...values].map((v) => `"${v}"`).join(', ');

/** What one side lists and the other lacks, as problems about `what`. */
function compareSets(what: string, schema: readonly string[], typescript: readonly string[]): string[] {
  const problems: string[] = [];
  const missing = typescript.filter((v) => !schema.includes(v));
  const extra = schema.filter((v) => !typescript.includes(v));
  if (missing.length > 0) problems.push(`${what}: the schema lacks ${quoted(missing)}`);
  if (extra.length > 0) problems.push(`${what}: the TypeScript side lacks ${quoted(extra)}`);
  return problems;
}

function actionProblems(name: string, action: ActionType<string>, expected: SchemaVocabulary): string[] {
  const problems: string[] = [];
  const applies = action.appliesTo;
  const resource = expected.actions[name];
  const context = applies?.context as { type?: unknown } | undefined;
  if (
    applies?.principalTypes.length !== 1 ||
    applies.principalTypes[0] !== expected.principal ||
    applies.resourceTypes.length !== 1 ||
    applies.resourceTypes[0] !== resource ||
    context?.type !== expected.context
  ) {
    problems.push(
      `action ${name}: must apply to principal ${expected.principal}, resource ${resource}, context ${expected.context}`,
    );
  }
  const memberOf = (action.memberOf ?? []).map((group) => group.id);
  const groups = Object.keys(expected.groups).filter((group) => expected.groups[group]?.includes(name));
  problems.push(...compareSets(`action ${name}'s groups`, memberOf, groups));
  return problems;
}

/**
 * Every way `schemaText` differs from `expected`; empty when they agree. Parse errors count as problems.
 *
 * @example
 *   schemaVocabularyProblems('entity Role enum ["store"];', { enums: { Role: ['store', 'admin'] }, … });
 *   // ['entity Role: the schema lacks "admin"']
 */
export function schemaVocabularyProblems(schemaText: string, expected: SchemaVocabulary): string[] {
  const answer = schemaToJson(schemaText);
  if (answer.type === 'failure') return answer.errors.map((e) => `the schema does not parse: ${e.message}`);
  const json: SchemaJson<string> = answer.json;
  const namespaces = Object.keys(json);
  if (namespaces.length !== 1 || namespaces[0] !== '') {
    return [`the schema must declare everything outside any namespace (found ${quoted(namespaces)})`];
  }
  const { entityTypes, actions } = json[''] as NonNullable<(typeof json)['']>;
  const problems: string[] = [];

  const enumTypes = Object.keys(entityTypes).filter((type) => 'enum' in (entityTypes[type] ?? {}));
  problems.push(...compareSets('enum entity types', enumTypes, Object.keys(expected.enums)));
  for (const [type, values] of Object.entries(expected.enums)) {
    const declared = entityTypes[type];
    if (declared && 'enum' in declared)
      problems.push(...compareSets(`entity ${type}`, declared.enum, values));
  }

  const groups = Object.keys(expected.groups);
  const declaredActions = Object.keys(actions).filter((name) => !groups.includes(name));
  problems.push(...compareSets('actions', declaredActions, Object.keys(expected.actions)));
  problems.push(
    ...compareSets(
      'action groups',
      Object.keys(actions).filter((name) => groups.includes(name)),
      groups,
    ),
  );
  for (const name of declaredActions) {
    const action = actions[name];
    if (action && Object.hasOwn(expected.actions, name))
      problems.push(...actionProblems(name, action, expected));
  }
  return problems;
}
