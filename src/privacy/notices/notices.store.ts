/**
 * SQL for reveal notices: customers' notice preferences, the reveals they are to be told of, and the digests
 * claimed per customer and day. Rows come and go as notices.types.ts types.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, RevealNoticesTable } from '../../platform/database/schema.ts';
import type { NoticeMode, RevealNotice } from './notices.types.ts';

function toNotice(row: Selectable<RevealNoticesTable>): RevealNotice {
  return {
    revealId: row.reveal_id,
    customerId: row.customer_id,
    fields: JSON.parse(row.fields) as string[],
    purpose: row.purpose,
    staffRole: row.staff_role,
    staffSite: row.staff_site,
    revealedAt: Number(row.revealed_at),
    day: row.day,
    mode: row.mode as NoticeMode,
    messageId: row.message_id,
  };
}

export function createNoticeStore(db: Kysely<Database>) {
  return {
    /** Erasure: the customer's preference, reveals to be told of and digests go with them. */
    async deleteForCustomer(customerId: string, trx: Transaction<Database>): Promise<void> {
      for (const table of ['reveal_notices', 'notice_preferences', 'reveal_digests'] as const)
        await trx.deleteFrom(table).where('customer_id', '=', customerId).execute();
    },

    async modeOf(customerId: string): Promise<NoticeMode | undefined> {
      const row = await db
        .selectFrom('notice_preferences')
        .select('mode')
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row?.mode as NoticeMode | undefined;
    },

    async setMode(customerId: string, mode: NoticeMode, now: number): Promise<void> {
      await db
        .insertInto('notice_preferences')
        .values({ customer_id: customerId, mode, updated_at: now })
        .onConflict((oc) => oc.column('customer_id').doUpdateSet({ mode, updated_at: now }))
        .execute();
    },

    /**
     * Record reveals to tell customers of, in `trx` with their messages; returns the reveal ids stored now (a
     * reveal recorded already — a repeated event, another node — is left as it was and not returned).
     */
    async insert(notices: readonly RevealNotice[], trx: Kysely<Database>): Promise<Set<string>> {
      if (notices.length === 0) return new Set();
      const rows = await trx
        .insertInto('reveal_notices')
        .values(
          notices.map((n) => ({
            reveal_id: n.revealId,
            customer_id: n.customerId,
            fields: JSON.stringify(n.fields),
            purpose: n.purpose,
            staff_role: n.staffRole,
            staff_site: n.staffSite,
            revealed_at: n.revealedAt,
            day: n.day,
            mode: n.mode,
            message_id: n.messageId,
          })),
        )
        .onConflict((oc) => oc.column('reveal_id').doNothing())
        .returning('reveal_id')
        .execute();
      return new Set(rows.map((r) => r.reveal_id));
    },

    /** Name the message that tells of these reveals, where none is named yet; true if any row took it. */
    async setMessage(
      revealIds: readonly string[],
      messageId: string,
      trx: Kysely<Database> = db,
    ): Promise<boolean> {
      if (revealIds.length === 0) return false;
      const result = await trx
        .updateTable('reveal_notices')
        .set({ message_id: messageId })
        .where('reveal_id', 'in', revealIds)
        .where('message_id', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Digest reveals of days before `today` not yet told, whose customer and day have no digest claimed:
     * oldest first, at most `limit`.
     */
    async undigested(today: string, limit: number): Promise<RevealNotice[]> {
      const rows = await db
        .selectFrom('reveal_notices as n')
        .selectAll('n')
        .where('n.mode', '=', 'daily')
        .where('n.message_id', 'is', null)
        .where('n.day', '<', today)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('reveal_digests as d')
                .select('d.day')
                .whereRef('d.customer_id', '=', 'n.customer_id')
                .whereRef('d.day', '=', 'n.day'),
            ),
          ),
        )
        .orderBy('n.revealed_at')
        .limit(limit)
        .execute();
      return rows.map(toNotice);
    },

    /** Claim a customer's digest of a day: true for exactly one caller, ever (two nodes, a restart). */
    async claimDigest(customerId: string, day: string, now: number): Promise<boolean> {
      const result = await db
        .insertInto('reveal_digests')
        .values({ customer_id: customerId, day, message_id: null, created_at: now })
        .onConflict((oc) => oc.columns(['customer_id', 'day']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async digestSent(customerId: string, day: string, messageId: string): Promise<void> {
      await db
        .updateTable('reveal_digests')
        .set({ message_id: messageId })
        .where('customer_id', '=', customerId)
        .where('day', '=', day)
        .execute();
    },

    /** The notices of one reveal (tests, and the service's own checks). */
    async byReveal(revealId: string): Promise<RevealNotice | undefined> {
      const row = await db
        .selectFrom('reveal_notices')
        .selectAll()
        .where('reveal_id', '=', revealId)
        .executeTakeFirst();
      return row ? toNotice(row) : undefined;
    },
  };
}

export type NoticeStore = ReturnType<typeof createNoticeStore>;
