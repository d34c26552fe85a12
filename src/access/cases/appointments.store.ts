/** SQL for appointments (appointments.service.ts says what they mean). */
import type { Kysely, Selectable } from 'kysely';
import type { AppointmentsTable, Database } from '../../platform/database/schema.ts';

export interface Appointment {
  id: string;
  customerId: string;
  site: string;
  startsAt: number;
  bookedAt: number;
  cancelledAt: number | null;
}

function toRecord(row: Selectable<AppointmentsTable>): Appointment {
  return {
    id: row.id,
    customerId: row.customer_id,
    site: row.site,
    startsAt: Number(row.starts_at),
    bookedAt: Number(row.booked_at),
    cancelledAt: row.cancelled_at === null ? null : Number(row.cancelled_at),
  };
}

export function createAppointmentStore(db: Kysely<Database>) {
  return {
    async insert(a: Appointment): Promise<void> {
      await db
        .insertInto('appointments')
        .values({
          id: a.id,
          customer_id: a.customerId,
          site: a.site,
          starts_at: a.startsAt,
          booked_at: a.bookedAt,
          cancelled_at: a.cancelledAt,
        })
        .execute();
    },

    /** One of a customer's own appointments: another customer's is as absent as none. */
    async ofCustomer(customerId: string, id: string): Promise<Appointment | undefined> {
      const row = await db
        .selectFrom('appointments')
        .selectAll()
        .where('id', '=', id)
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** A customer's appointments still to come and not cancelled. */
    async upcomingCountOf(customerId: string, now: number): Promise<number> {
      const row = await db
        .selectFrom('appointments')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('customer_id', '=', customerId)
        .where('cancelled_at', 'is', null)
        .where('starts_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Cancel a customer's booked appointment: true for the first caller only. */
    async cancel(customerId: string, id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('appointments')
        .set({ cancelled_at: now })
        .where('id', '=', id)
        .where('customer_id', '=', customerId)
        .where('cancelled_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Does the customer hold a booked (not cancelled) appointment at `site` starting in [from, to]? */
    async booked(customerId: string, site: string, from: number, to: number): Promise<boolean> {
      const row = await db
        .selectFrom('appointments')
        .select('id')
        .where('customer_id', '=', customerId)
        .where('site', '=', site)
        .where('cancelled_at', 'is', null)
        .where('starts_at', '>=', from)
        .where('starts_at', '<=', to)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type AppointmentStore = ReturnType<typeof createAppointmentStore>;
