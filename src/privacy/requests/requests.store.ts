/** SQL for people's requests about their data (requests.service.ts says what they mean). */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DialectName } from '../../platform/database/database.ts';
import type { Database, PrivacyRequestsTable } from '../../platform/database/schema.ts';
import type { Jurisdiction } from '../../platform/jurisdiction.ts';
import type { RequestKind } from './deadlines.ts';

/** `withdrawn`: the customer's data was erased while the request waited; nothing is left to answer it with. */
export const requestStatuses = ['open', 'extended', 'granted', 'fulfilled', 'refused', 'withdrawn'] as const;
export type RequestStatus = (typeof requestStatuses)[number];
/** Statuses in which a request still waits for its answer, and can fall overdue. */
export const pendingStatuses = ['open', 'extended', 'granted'] as const satisfies readonly RequestStatus[];

export interface PrivacyRequest {
  id: string;
  customerId: string;
  kind: RequestKind;
  jurisdiction: Jurisdiction;
  status: RequestStatus;
  filedAt: number;
  dueAt: number;
  extendedAt: number | null;
  decidedAt: number | null;
  decidedBy: string | null;
  reasonSealed: string | null;
  overdueAlertedAt: number | null;
}

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toRecord(row: Selectable<PrivacyRequestsTable>): PrivacyRequest {
  return {
    id: row.id,
    customerId: row.customer_id,
    kind: row.kind as RequestKind,
    jurisdiction: row.jurisdiction as Jurisdiction,
    status: row.status as RequestStatus,
    filedAt: Number(row.filed_at),
    dueAt: Number(row.due_at),
    extendedAt: orNull(row.extended_at),
    decidedAt: orNull(row.decided_at),
    decidedBy: row.decided_by,
    reasonSealed: row.reason_sealed,
    overdueAlertedAt: orNull(row.overdue_alerted_at),
  };
}

function pendingCount(db: Kysely<Database>, customerId: string) {
  return db
    .selectFrom('privacy_requests')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('customer_id', '=', customerId)
    .where('status', 'in', [...pendingStatuses])
    .executeTakeFirstOrThrow();
}

function insertRequest(db: Kysely<Database>, r: PrivacyRequest) {
  return db
    .insertInto('privacy_requests')
    .values({
      id: r.id,
      customer_id: r.customerId,
      kind: r.kind,
      jurisdiction: r.jurisdiction,
      status: r.status,
      filed_at: r.filedAt,
      due_at: r.dueAt,
      extended_at: r.extendedAt,
      decided_at: r.decidedAt,
      decided_by: r.decidedBy,
      reason_sealed: r.reasonSealed,
      overdue_alerted_at: r.overdueAlertedAt,
    })
    .execute();
}

export function createRequestStore(db: Kysely<Database>, dialect: DialectName = 'sqlite') {
  return {
    /**
     * Insert a request unless its customer has `maxPending` waiting already, counted in the insert's own
     * transaction (parallel filings do not all pass one count); false when refused. SQLite runs one writer at
     * a time; on PostgreSQL a transaction-scoped advisory lock per customer serialises their filings.
     */
    async insertUnder(r: PrivacyRequest, maxPending: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        if (dialect === 'postgres')
          await sql`select pg_advisory_xact_lock(hashtext(${`privacy_request:${r.customerId}`}))`.execute(
            trx,
          );
        if (Number((await pendingCount(trx, r.customerId)).n) >= maxPending) return false;
        await insertRequest(trx, r);
        return true;
      });
    },

    async byId(id: string): Promise<PrivacyRequest | undefined> {
      const row = await db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** One customer's requests, newest first. */
    async ofCustomer(customerId: string, limit: number): Promise<PrivacyRequest[]> {
      const rows = await db
        .selectFrom('privacy_requests')
        .selectAll()
        .where('customer_id', '=', customerId)
        .orderBy('filed_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** Requests still waiting for their answer, soonest due first. */
    async pending(limit: number): Promise<PrivacyRequest[]> {
      const rows = await db
        .selectFrom('privacy_requests')
        .selectAll()
        .where('status', 'in', [...pendingStatuses])
        .orderBy('due_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** How many of a customer's requests wait for their answer. */
    async pendingCountOf(customerId: string): Promise<number> {
      return Number((await pendingCount(db, customerId)).n);
    },

    /**
     * Move a request from one of `from` to its decision; false when it is no longer in one of them (a
     * concurrent decision won). `dueAt` and `extendedAt` change only for an extension.
     */
    async decide(
      id: string,
      from: readonly RequestStatus[],
      to: {
        status: RequestStatus;
        decidedAt: number;
        decidedBy: string;
        reasonSealed: string | null;
        dueAt?: number;
        extendedAt?: number;
      },
    ): Promise<boolean> {
      const result = await db
        .updateTable('privacy_requests')
        .set({
          status: to.status,
          decided_at: to.decidedAt,
          decided_by: to.decidedBy,
          reason_sealed: to.reasonSealed,
          ...(to.dueAt === undefined ? {} : { due_at: to.dueAt }),
          ...(to.extendedAt === undefined ? {} : { extended_at: to.extendedAt }),
        })
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Pending requests past their due time whose overdue alert has not been raised. */
    async overdueUnalerted(now: number, limit: number): Promise<PrivacyRequest[]> {
      const rows = await db
        .selectFrom('privacy_requests')
        .selectAll()
        .where('status', 'in', [...pendingStatuses])
        .where('due_at', '<=', now)
        .where('overdue_alerted_at', 'is', null)
        .orderBy('due_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** Claim the overdue alert of a request: true for one caller only (two nodes never both alert). */
    async claimOverdueAlert(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('privacy_requests')
        .set({ overdue_alerted_at: now })
        .where('id', '=', id)
        .where('overdue_alerted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Give a claim back (the alert could not be raised): the next run tries again. */
    async releaseOverdueAlert(id: string): Promise<void> {
      await db
        .updateTable('privacy_requests')
        .set({ overdue_alerted_at: null })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type RequestStore = ReturnType<typeof createRequestStore>;
