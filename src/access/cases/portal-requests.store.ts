/** SQL for portal requests (portal-requests.service.ts says what they mean). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, PortalRequestsTable } from '../../platform/database/schema.ts';

export const portalRequestTopics = ['repair', 'billing', 'account', 'other'] as const;
export type PortalRequestTopic = (typeof portalRequestTopics)[number];

export interface PortalRequest {
  id: string;
  customerId: string;
  topic: PortalRequestTopic;
  /** The site it is addressed to; null: any site. */
  site: string | null;
  noteSealed: string | null;
  createdAt: number;
  expiresAt: number;
  caseId: string | null;
  takenBy: string | null;
  takenAt: number | null;
}

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toRecord(row: Selectable<PortalRequestsTable>): PortalRequest {
  return {
    id: row.id,
    customerId: row.customer_id,
    topic: row.topic as PortalRequestTopic,
    site: row.site,
    noteSealed: row.note_sealed,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    caseId: row.case_id,
    takenBy: row.taken_by,
    takenAt: orNull(row.taken_at),
  };
}

export function createPortalRequestStore(db: Kysely<Database>) {
  return {
    async insert(r: PortalRequest): Promise<void> {
      await db
        .insertInto('portal_requests')
        .values({
          id: r.id,
          customer_id: r.customerId,
          topic: r.topic,
          site: r.site,
          note_sealed: r.noteSealed,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
          case_id: r.caseId,
          taken_by: r.takenBy,
          taken_at: r.takenAt,
        })
        .execute();
    },

    async byId(id: string): Promise<PortalRequest | undefined> {
      const row = await db.selectFrom('portal_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Requests not taken and not expired, for `site` (or for any site), oldest first. */
    async open(site: string, now: number, limit: number): Promise<PortalRequest[]> {
      const rows = await db
        .selectFrom('portal_requests')
        .selectAll()
        .where('case_id', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('site', 'is', null), eb('site', '=', site)]))
        .orderBy('created_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** How many of a customer's requests are still open (not taken, not expired). */
    async openCountOf(customerId: string, now: number): Promise<number> {
      const row = await db
        .selectFrom('portal_requests')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('customer_id', '=', customerId)
        .where('case_id', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Bind an open, unexpired request to a case: true for the first caller only. */
    async take(id: string, caseId: string, staffId: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('portal_requests')
        .set({ case_id: caseId, taken_by: staffId, taken_at: now })
        .where('id', '=', id)
        .where('case_id', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Is a request of this customer bound to this case? */
    async boundTo(caseId: string, customerId: string): Promise<boolean> {
      const row = await db
        .selectFrom('portal_requests')
        .select('id')
        .where('case_id', '=', caseId)
        .where('customer_id', '=', customerId)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type PortalRequestStore = ReturnType<typeof createPortalRequestStore>;
