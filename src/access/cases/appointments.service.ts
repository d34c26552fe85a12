/**
 * Appointments as evidence: a customer signed in to the privacy portal books a visit at a site (the staff
 * directory's `site` values). A case for that customer opened by staff of that site from
 * `APPOINTMENT_EARLY_MS` before the start to `APPOINTMENT_LATE_MS` after it has `appointment` evidence: the
 * customer started it. A cancelled appointment explains nothing.
 *
 * Invariants: only the customer books or cancels, for themselves (the customer is the session's, never an
 * input; another customer's appointment is as absent as none); a booking is in the future and within
 * `MAX_BOOKING_AHEAD_MS`; booking and cancelling are ledgered ahead.
 */
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import type { AppointmentStore } from './appointments.store.ts';
import type { CaseRecord } from './cases.types.ts';

const MINUTE = 60_000;
/** A case opened this long before an appointment starts is explained by it (the customer is early). */
export const APPOINTMENT_EARLY_MS = 30 * MINUTE;
/** ... and this long after it starts (the visit runs on). */
export const APPOINTMENT_LATE_MS = 120 * MINUTE;
export const MAX_BOOKING_AHEAD_MS = 60 * 24 * 60 * MINUTE;
/** Upcoming appointments one customer may hold at once. */
export const MAX_UPCOMING_APPOINTMENTS = 5;

export function createAppointments(deps: {
  store: AppointmentStore;
  staff: Pick<StaffDirectory, 'member'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;

  return {
    /** The signed-in customer books a visit at `site`, starting at `startsAt` (ISO 8601). */
    async book(actor: Actor, input: { site: string; startsAt: string }): Promise<{ appointmentId: string }> {
      const customerId = customerIdOf(actor);
      const now = clock.now();
      const startsAt = Date.parse(input.startsAt);
      if (!Number.isFinite(startsAt) || startsAt <= now || startsAt > now + MAX_BOOKING_AHEAD_MS) {
        throw validationFailed([
          {
            path: 'startsAt',
            problem: `must be a time in the future, at most ${MAX_BOOKING_AHEAD_MS / (24 * 60 * MINUTE)} days ahead`,
          },
        ]);
      }
      if ((await store.upcomingCountOf(customerId, now)) >= MAX_UPCOMING_APPOINTMENTS) {
        throw new CustosError(
          'RATE_LIMITED',
          `At most ${MAX_UPCOMING_APPOINTMENTS} upcoming appointments: cancel one to book another`,
        );
      }
      const appointmentId = uuidv7(now);
      await ledger.record(
        {
          type: 'appointment.booked',
          actor: actorRef(actor),
          subject: customerId,
          data: { appointmentId, customerId },
        },
        () =>
          store.insert({
            id: appointmentId,
            customerId,
            site: input.site,
            startsAt,
            bookedAt: now,
            cancelledAt: null,
          }),
      );
      return { appointmentId };
    },

    /** The signed-in customer cancels one of their own booked appointments. */
    async cancel(actor: Actor, appointmentId: string): Promise<void> {
      const customerId = customerIdOf(actor);
      const found = isUuid(appointmentId) ? await store.ofCustomer(customerId, appointmentId) : undefined;
      if (!found) throw new CustosError('APPOINTMENT_NOT_FOUND', 'No such appointment');
      if (found.cancelledAt !== null) {
        throw new CustosError('APPOINTMENT_NOT_BOOKED', 'This appointment is already cancelled');
      }
      await ledger.record(
        {
          type: 'appointment.cancelled',
          actor: actorRef(actor),
          subject: customerId,
          data: { appointmentId, customerId },
        },
        async () => {
          if (!(await store.cancel(customerId, appointmentId, clock.now()))) {
            throw new CustosError('APPOINTMENT_NOT_BOOKED', 'This appointment is already cancelled');
          }
        },
      );
    },

    /**
     * Does a booked appointment explain this case: its customer's, at the site of the staff member who
     * opened it, starting between `APPOINTMENT_LATE_MS` before the opening and `APPOINTMENT_EARLY_MS` after?
     */
    async explains(c: Pick<CaseRecord, 'customerId' | 'openedBy' | 'openedAt'>): Promise<boolean> {
      const opener = await deps.staff.member(c.openedBy);
      if (!opener) return false;
      return store.booked(
        c.customerId,
        opener.site,
        c.openedAt - APPOINTMENT_LATE_MS,
        c.openedAt + APPOINTMENT_EARLY_MS,
      );
    },
  };
}

export type Appointments = ReturnType<typeof createAppointments>;
