/**
 * A staff member's own standing with the insider-risk watcher: their tier, score and its explanation, and how
 * to contest it. Every staff member may read their own, and only their own (GDPR art. 22, PIPL art. 24).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../identity/sessions/principal.ts';
import { explain } from './risk/explanation.ts';
import type { Watcher } from './watcher.service.ts';

const CONTEST =
  'Scores come only from your access to customer records. If a tier is wrong, ask security to review it; ' +
  'an automatic suspension is always reviewed by a person.';

export function riskRoutes(app: FastifyInstance, deps: { watcher: Pick<Watcher, 'assess'> }) {
  app.get(
    '/v1/watch/me',
    {
      schema: {
        operationId: 'getOwnRisk',
        response: {
          200: Type.Object(
            {
              tier: Type.String(),
              score: Type.Number(),
              explanation: Type.Array(
                Type.Object({ path: Type.String(), problem: Type.String() }, { additionalProperties: false }),
              ),
              contest: Type.String(),
            },
            { additionalProperties: false },
          ),
        },
        tags: ['watch'],
        summary: 'Your own tier, score and its explanation',
      },
    },
    async (request) => {
      const a = deps.watcher.assess(principalOf(request).staffId);
      return { tier: a.tier, score: a.score, explanation: explain(a), contest: CONTEST };
    },
  );
}
