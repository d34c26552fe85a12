/**
 * The customer's access history over HTTP (`GET /v1/portal/me/history`, the customer's own portal session:
 * there is no customer id to give, so no one can ask for another's).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { validationFailed } from '../../platform/errors.ts';
import { type AccessHistoryService, HISTORY_PAGE, HISTORY_PAGE_MAX } from './access-history.ts';

const Actor = Type.Object(
  {
    kind: Type.Union(['staff', 'you', 'system', 'integration'].map((k) => Type.Literal(k))),
    role: Type.Optional(Type.String()),
    site: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Item = Type.Object(
  {
    index: Type.Integer({ description: 'Position in the ledger' }),
    at: Type.String({ format: 'date-time' }),
    type: Type.String({ description: 'The ledger entry type, e.g. customer.revealed' }),
    kind: Type.String({ description: 'view, reveal, correction, export, search_hit, self_access, case, …' }),
    actor: Actor,
    purpose: Nullable(Type.String()),
    caseId: Nullable(Type.String()),
    evidence: Nullable(Type.String({ description: 'What shows you started a reveal (none: staff did)' })),
    customerPresent: Type.Union([Type.Boolean(), Type.Null()]),
    fields: Type.Array(Type.String()),
    detailed: Type.Boolean({ description: 'False once retention removed the details' }),
    proof: Type.Object(
      {
        header: Nullable(Type.String({ description: 'The canonical header the leaf hashes (base64)' })),
        data: Type.Unknown({ description: 'The payload whose canonical SHA-256 the header names' }),
        inclusionProof: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const History = Type.Object(
  {
    customerId: Type.String(),
    items: Type.Array(Item),
    next: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Where the next (older) page starts: ask again with this as `from`; null at your first entry',
    }),
    checkpoint: Type.Object(
      { note: Type.String(), size: Type.Integer(), origin: Type.String(), vkey: Type.String() },
      { additionalProperties: false },
    ),
    mapProof: Type.Object(
      {
        siblings: Type.Array(Type.String()),
        end: Type.Object(
          {
            kind: Type.Union(['present', 'empty', 'other'].map((k) => Type.Literal(k))),
            value: Type.Optional(Type.Integer()),
            key: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const Page = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,15}$',
        description: "The newest entry to include: the previous page's `next`",
      }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,3}$',
        description: `How many items, 1 to ${HISTORY_PAGE_MAX} (default ${HISTORY_PAGE})`,
      }),
    ),
  },
  { additionalProperties: false },
);

export function historyRoutes(app: FastifyInstance, deps: { history: AccessHistoryService }) {
  app.get<{ Querystring: Static<typeof Page> }>(
    '/v1/portal/me/history',
    {
      config: { auth: 'customer', errors: ['LEDGER_UNAVAILABLE'] },
      schema: {
        operationId: 'getMyAccessHistory',
        tags: ['portal'],
        summary:
          'Everything done with your record — who (role, site, region), when, why, and whether you were there — with proofs that nothing is left out',
        querystring: Page,
        response: { 200: History },
      },
    },
    async (request) => {
      const { from, limit } = request.query;
      const size = limit === undefined ? HISTORY_PAGE : Number(limit);
      if (size < 1 || size > HISTORY_PAGE_MAX)
        throw validationFailed([{ path: 'limit', problem: `must be 1 to ${HISTORY_PAGE_MAX}` }]);
      return deps.history.forCustomer(sessionOf(request).actor, {
        ...(from === undefined ? {} : { from: Number(from) }),
        limit: size,
      });
    },
  );
}
