/**
 * The wire shapes of exports: a request as its requester and approvers see it, and a run's result. A run
 * answers customer data, so its schema is closed at every level — the field names a record export may
 * carry, the dimensions an aggregate may group by — and nothing else can be serialised into the answer.
 */
import { Type } from '@sinclair/typebox';
import { ATTRIBUTES_FIELD, fieldNames } from '../../vault/customer-fields.ts';
import { aggregateDimensions } from './k-anonymity.ts';

const Count = Type.Integer({ minimum: 0 });

/** An export request: who asked, for what, and where it stands. No customer data. */
export const ExportViewSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('records'), Type.Literal('aggregate')]),
    purpose: Type.String(),
    status: Type.String({ description: 'pending, approved, rejected, running, completed or failed' }),
    requestedBy: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    approvals: Type.Optional(Type.Integer({ description: 'How many security members approved it' })),
    quorum: Type.Integer({ description: 'How many must approve: more than one for a large export' }),
    runnableAfter: Type.Union([Type.String(), Type.Null()], {
      description: 'A large export: when it may first run (quorum plus the waiting period)',
    }),
    customers: Type.Optional(Type.Integer({ description: 'How many customers a record export names' })),
    fields: Type.Optional(Type.Array(Type.String())),
    dimensions: Type.Optional(Type.Array(Type.String())),
    createdAt: Type.String(),
  },
  { $id: 'ExportRequest', additionalProperties: false },
);

/** One customer's exported fields: only those the export named; a field the customer lacks is null. */
const ExportedFields = Type.Object(
  {
    ...Object.fromEntries(
      fieldNames.map((f) => [f, Type.Optional(Type.Union([Type.String(), Type.Null()]))]),
    ),
    [ATTRIBUTES_FIELD]: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
  },
  { additionalProperties: false },
);

const RecordsResult = Type.Object(
  {
    kind: Type.Literal('records'),
    exportId: Type.String(),
    records: Type.Array(
      Type.Object({ customerId: Type.String(), fields: ExportedFields }, { additionalProperties: false }),
    ),
    excluded: Type.Integer({
      minimum: 0,
      description: 'Customers left out: consent does not admit the purpose, or no longer on file',
    }),
  },
  { additionalProperties: false },
);

const dimensionNames = Object.keys(aggregateDimensions);
const AggregateResult = Type.Object(
  {
    kind: Type.Literal('aggregate'),
    exportId: Type.String(),
    k: Type.Integer({ minimum: 10 }),
    dimensions: Type.Array(Type.Union(dimensionNames.map((d) => Type.Literal(d)))),
    groups: Type.Array(
      Type.Object(
        {
          values: Type.Object(
            Object.fromEntries(dimensionNames.map((d) => [d, Type.Optional(Type.String())])),
            { additionalProperties: false },
          ),
          count: Type.Integer({ description: 'A noisy count (two-sided geometric noise)' }),
        },
        { additionalProperties: false },
      ),
    ),
    epsilon: Type.Number({ description: 'The differential-privacy budget this aggregate spent' }),
    threshold: Type.Integer({ description: 'The least noisy count a released group has' }),
    budgetRemaining: Type.Number({ description: 'ε left to the requester in the budget window' }),
    suppressedGroups: Count,
    suppressedPeople: Count,
  },
  { additionalProperties: false },
);

/** What running an export answers: the records, or the noisy, thresholded counts. */
export const ExportResultSchema = Type.Union([RecordsResult, AggregateResult], { $id: 'ExportResult' });
