/** SQL for inbound calls (inbound-calls.service.ts says what they mean). */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';

export interface InboundCall {
  id: string;
  customerId: string;
  agentStaffId: string;
  at: number;
  reportedBy: string;
}

export function createInboundCallStore(db: Kysely<Database>) {
  return {
    async insert(calls: InboundCall[]): Promise<void> {
      if (calls.length === 0) return;
      await db
        .insertInto('inbound_calls')
        .values(
          calls.map((c) => ({
            id: c.id,
            customer_id: c.customerId,
            agent_staff_id: c.agentStaffId,
            at: c.at,
            reported_by: c.reportedBy,
          })),
        )
        .execute();
    },

    /** Did this agent take a call from this customer between `since` and `until`? */
    async taken(agentStaffId: string, customerId: string, since: number, until: number): Promise<boolean> {
      const row = await db
        .selectFrom('inbound_calls')
        .select('id')
        .where('agent_staff_id', '=', agentStaffId)
        .where('customer_id', '=', customerId)
        .where('at', '>=', since)
        .where('at', '<=', until)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type InboundCallStore = ReturnType<typeof createInboundCallStore>;
