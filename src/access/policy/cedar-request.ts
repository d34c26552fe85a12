/**
 * What Cedar is asked for one normalised query: the principal, action, resource, entities and context.
 *
 * Invariant (the one the decision cache rests on): the request is built from the normalised query's
 * fields and nothing else — fixed entity ids, no clock, no lookups — so two queries with the same key get
 * the same request, and Cedar (which has no clock or randomness either) the same answer.
 */
import type { CedarValueJson, Context, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import { fieldClassActions, type NormalisedQuery } from './access-query.ts';
import { resourceTypes } from './custos-schema.ts';

export interface CedarRequest {
  principal: EntityUidJson;
  action: EntityUidJson;
  resource: EntityUidJson;
  context: Context;
  entities: EntityJson[];
}

const ref = (type: string, id: string) => ({ __entity: { type, id } });

/** The request for a query that passed `normaliseQuery`. */
export function cedarRequest(query: NormalisedQuery): CedarRequest {
  const principal = { type: 'Staff', id: 'actor' };
  const resource = { type: resourceTypes[query.action], id: 'target' };
  const context: Context = {
    caseRelation: ref('CaseRelation', query.caseRelation),
    customerPresent: query.customerPresent,
    breakGlass: query.breakGlass,
    secondApprover: query.secondApprover,
    riskTier: ref('RiskTier', query.riskTier),
  };
  if (query.purpose !== undefined) context.purpose = ref('Purpose', query.purpose);
  if (query.channel !== undefined) context.channel = ref('Channel', query.channel);
  const resourceAttrs: Record<string, CedarValueJson> =
    fieldClassActions.includes(query.action) && query.fieldClass !== undefined
      ? { class: ref('SensitivityClass', query.fieldClass) }
      : {};
  if (query.action === 'reveal' && query.field !== undefined)
    resourceAttrs.field = ref('FieldName', query.field);
  return {
    principal,
    action: { type: 'Action', id: query.action },
    resource,
    context,
    entities: [
      { uid: principal, attrs: { role: ref('Role', query.role) }, parents: [] },
      { uid: resource, attrs: resourceAttrs, parents: [] },
    ],
  };
}
