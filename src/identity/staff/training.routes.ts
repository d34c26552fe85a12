/**
 * HTTP routes of staff training records (LAW.md row 19): an administrator records another member's completed
 * course (step-up); administrators, security and the member themselves list a member's records. HR reports
 * training through `POST /v1/integrations/hr-signals` (`training_completed`).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import { principalOf } from '../sessions/principal.ts';
import type { Training } from './training.service.ts';
import { COURSE_PATTERN, type TrainingRecord } from './training.types.ts';

const tags = ['identity'];
const StaffParams = Type.Object({ staffId: IdSchema('The staff member') });
const EpochMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description });
const TrainingBody = Type.Object(
  {
    course: Type.String({ pattern: COURSE_PATTERN, description: 'The course, e.g. data_protection' }),
    completedAt: EpochMs('When it was completed, epoch milliseconds (not in the future)'),
    expiresAt: EpochMs('When it expires, epoch milliseconds (after completedAt)'),
  },
  { additionalProperties: false },
);
const TrainingView = Type.Object(
  {
    id: Type.String(),
    course: Type.String(),
    completedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    source: Type.String({ description: 'admin or hr' }),
    recordedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const view = (r: TrainingRecord) => ({
  id: r.id,
  course: r.course,
  completedAt: new Date(r.completedAt).toISOString(),
  expiresAt: new Date(r.expiresAt).toISOString(),
  source: r.source,
  recordedAt: new Date(r.recordedAt).toISOString(),
});

export function trainingRoutes(app: FastifyInstance, deps: { training: Pick<Training, 'record' | 'list'> }) {
  app.put<{ Params: Static<typeof StaffParams>; Body: Static<typeof TrainingBody> }>(
    '/v1/staff/:staffId/training',
    {
      config: { errors: ['FORBIDDEN', 'STEP_UP_REQUIRED', 'SAME_PERSON', 'STAFF_NOT_FOUND'] },
      schema: {
        operationId: 'recordStaffTraining',
        tags,
        summary: "Record a staff member's completed training course (admin, step-up; never one's own)",
        params: StaffParams,
        body: TrainingBody,
        response: { 201: TrainingView },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(view(await deps.training.record(principalOf(request), request.params.staffId, request.body))),
  );

  app.get<{ Params: Static<typeof StaffParams> }>(
    '/v1/staff/:staffId/training',
    {
      config: { errors: ['FORBIDDEN', 'STAFF_NOT_FOUND'] },
      schema: {
        operationId: 'listStaffTraining',
        tags,
        summary: "A staff member's training records (admin, security, or one's own)",
        params: StaffParams,
        response: { 200: Type.Array(TrainingView) },
      },
    },
    async (request) => (await deps.training.list(principalOf(request), request.params.staffId)).map(view),
  );
}
