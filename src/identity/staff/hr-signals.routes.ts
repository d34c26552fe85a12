/**
 * The HR integration's route: the HR system reports what happened to a staff member (hired, notice, leave,
 * termination, a role change) with an API token of the `hr` scope, minted by an administrator.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import { apiTokenOf } from '../sessions/route-auth.ts';
import type { HrSignals } from './hr-signals.service.ts';
import { hrSignalKinds } from './hr-signals.types.ts';
import { staffRoles } from './staff.types.ts';
import { COURSE_PATTERN } from './training.types.ts';

const Signal = Type.Object(
  {
    staffId: Type.Optional(IdSchema('The staff member (or give their work email instead)')),
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, description: 'The work email (or give staffId instead)' }),
    ),
    signal: Type.Union(
      hrSignalKinds.map((s) => Type.Literal(s)),
      { description: 'What happened' },
    ),
    role: Type.Optional(
      Type.Union(
        staffRoles.map((r) => Type.Literal(r)),
        { description: 'The new role: for role_change only (admin and security need two administrators)' },
      ),
    ),
    effectiveAt: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 8_640_000_000_000_000,
        description: 'When it took effect, epoch milliseconds (now when absent)',
      }),
    ),
    course: Type.Optional(
      Type.String({ pattern: COURSE_PATTERN, description: 'training_completed only: the course' }),
    ),
    expiresAt: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 8_640_000_000_000_000,
        description: 'training_completed only: when the training expires, epoch milliseconds',
      }),
    ),
  },
  { additionalProperties: false },
);

export function hrSignalRoutes(app: FastifyInstance, deps: { hrSignals: Pick<HrSignals, 'report'> }) {
  app.post<{ Body: Static<typeof Signal> }>(
    '/v1/integrations/hr-signals',
    {
      config: {
        auth: 'admin',
        scope: 'hr',
        errors: ['FORBIDDEN', 'STAFF_NOT_FOUND', 'ROLE_NEEDS_APPROVAL', 'SAME_PERSON'],
      },
      schema: {
        operationId: 'reportHrSignal',
        tags: ['integrations'],
        summary:
          'Report what HR knows of a staff member: hired, notice, leave, termination, a role change, training',
        body: Signal,
        response: { 202: Type.Object({ signalId: Type.String() }, { additionalProperties: false }) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await deps.hrSignals.report(apiTokenOf(request), request.body)),
  );
}
