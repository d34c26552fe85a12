/**
 * HTTP routes of the ledger: the latest signed checkpoint, the public key and proofs (for anyone to verify),
 * and entry contents for an auditor's token (`ledger_read`). Proof hashes are base64, as in C2SP notes.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CustosError } from '../platform/errors.ts';
import type { RouteAuth } from '../platform/route-auth.ts';
import type { Ledger } from './ledger.service.ts';

const Index = Type.String({ pattern: '^[0-9]{1,15}$' });
const tags = ['ledger'];
const open = { auth: 'public' } as const;

const InclusionQuery = Type.Object({ index: Index, size: Index }, { additionalProperties: false });
const ConsistencyQuery = Type.Object({ from: Index, to: Index }, { additionalProperties: false });
const Proof = Type.Array(Type.String());
/** A text/plain answer: the body is the note or key itself, exactly as signed. */
const SignedNote = (description: string) => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});
const StoredEntrySchema = Type.Object(
  {
    index: Type.Integer(),
    leafHash: Type.String({ description: 'base64' }),
    leafVersion: Type.Integer({
      description:
        '1: the leaf hashes the entry; 2 and 3: it hashes `header` (3 adds the subject chain link)',
    }),
    header: Type.Union([Type.String(), Type.Null()], {
      description:
        'v2 and v3: the canonical header the leaf hashes (base64 of JSON: v, at, type, actor, subject, prev (v3), payload = SHA-256 of the canonical data); kept after redaction',
    }),
    entry: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
      description: 'The canonical entry (`v`, `type`, `actor`, `at`, …), or null once retention redacted it',
    }),
    redactedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export interface LedgerRouteDeps {
  auth: RouteAuth;
  ledger: Ledger;
}

/**
 * The ledger module's routes, one plugin: checkpoint, key and proofs (hashes only) for anyone; entry contents,
 * which name customers, for a token with the auditor's `ledger_read` scope.
 */
export async function ledgerRoutes(app: FastifyInstance, deps: LedgerRouteDeps): Promise<void> {
  const { ledger } = deps;
  deps.auth.install(app, 'admin');

  app.get(
    '/v1/ledger/checkpoint',
    {
      config: { ...open, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getLedgerCheckpoint',
        response: { 200: SignedNote('The latest checkpoint, a C2SP signed note') },
        tags,
        summary: 'The latest signed checkpoint (C2SP signed note, text/plain)',
      },
    },
    async (_request, reply) => {
      const note = await ledger.latestCheckpoint();
      if (!note) throw new CustosError('NOT_FOUND', 'No checkpoint has been signed yet');
      return reply.type('text/plain; charset=utf-8').send(note);
    },
  );

  app.get(
    '/v1/ledger/key',
    {
      config: open,
      schema: {
        operationId: 'getLedgerKey',
        response: { 200: SignedNote('The C2SP verifier key, one line') },
        tags,
        summary: "The ledger's public verifier key (C2SP vkey, text/plain)",
      },
    },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send(`${ledger.vkey}\n`),
  );

  app.get<{ Params: { index: string } }>(
    '/v1/ledger/entries/:index',
    {
      // An entry names customers (its subject): an auditor's token, never an administrator's.
      config: { scope: 'ledger_read', errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getLedgerEntry',
        response: { 200: StoredEntrySchema },
        tags,
        summary: 'One ledger entry and its leaf hash',
        params: Type.Object({ index: Index }),
      },
    },
    async (request) => ledger.entry(Number(request.params.index)),
  );

  app.get<{ Querystring: Static<typeof InclusionQuery> }>(
    '/v1/ledger/proofs/inclusion',
    {
      // Hashes and tree sizes only: anyone holding Custos to a checkpoint may check it.
      config: open,
      schema: {
        operationId: 'getInclusionProof',
        tags,
        summary: 'Inclusion proof of an entry in the tree of a given size',
        querystring: InclusionQuery,
        response: { 200: Type.Object({ index: Type.Integer(), size: Type.Integer(), proof: Proof }) },
      },
    },
    async (request) => {
      const index = Number(request.query.index);
      const size = Number(request.query.size);
      const proof = await ledger.inclusionProof(index, size);
      return { index, size, proof: proof.map((h) => h.toString('base64')) };
    },
  );

  app.get<{ Querystring: Static<typeof ConsistencyQuery> }>(
    '/v1/ledger/proofs/consistency',
    {
      config: open,
      schema: {
        operationId: 'getConsistencyProof',
        tags,
        summary: 'Consistency proof between two tree sizes',
        querystring: ConsistencyQuery,
        response: { 200: Type.Object({ from: Type.Integer(), to: Type.Integer(), proof: Proof }) },
      },
    },
    async (request) => {
      const from = Number(request.query.from);
      const to = Number(request.query.to);
      const proof = await ledger.consistencyProof(from, to);
      return { from, to, proof: proof.map((h) => h.toString('base64')) };
    },
  );
}
