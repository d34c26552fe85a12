/**
 * Appointments over HTTP: the signed-in customer books a visit at a site and cancels it, with their own
 * portal session only (there is no customer id to give, and another customer's appointment is not found).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import { IdSchema } from '../../platform/identifier-schemas.ts';
import type { Appointments } from './appointments.service.ts';

/** A site as the staff directory names it; only its shape is checked. */
export const SiteSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  minLength: 1,
  maxLength: 64,
  description: 'A site, as staff are assigned to it',
});
const Booking = Type.Object(
  {
    site: SiteSchema,
    startsAt: Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'When the visit starts (ISO 8601): in the future, at most 60 days ahead',
    }),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ id: IdSchema('The appointment') });

export function appointmentRoutes(app: FastifyInstance, deps: { appointments: Appointments }) {
  app.post<{ Body: Static<typeof Booking> }>(
    '/v1/portal/appointments',
    {
      config: { auth: 'customer', errors: ['RATE_LIMITED'] },
      schema: {
        operationId: 'bookAppointment',
        tags: ['portal'],
        summary: 'Book a visit at a site: staff serving you there then act on your request',
        body: Booking,
        response: { 201: Type.Object({ appointmentId: Type.String() }, { additionalProperties: false }) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await deps.appointments.book(sessionOf(request).actor, request.body)),
  );

  app.delete<{ Params: Static<typeof Params> }>(
    '/v1/portal/appointments/:id',
    {
      config: { auth: 'customer', errors: ['APPOINTMENT_NOT_FOUND', 'APPOINTMENT_NOT_BOOKED'] },
      schema: {
        operationId: 'cancelAppointment',
        tags: ['portal'],
        summary: 'Cancel one of your appointments',
        params: Params,
        response: { 204: { type: 'null', description: 'Cancelled' } },
      },
    },
    async (request, reply) => {
      await deps.appointments.cancel(sessionOf(request).actor, request.params.id);
      return reply.status(204).send();
    },
  );
}
