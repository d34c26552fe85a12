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

    /** Record a reveal to tell the customer of; false when it is recorded already (a repeated event). */
    async insert(n: RevealNotice): Promise<boolean> {
      const result = await db
        .insertInto('reveal_notices')
        .values({
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
        })
        .onConflict((oc) => oc.column('reveal_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async setMessage(revealIds: readonly string[], messageId: string): Promise<void> {
      if (revealIds.length === 0) return;
      await db
        .updateTable('reveal_notices')
        .set({ message_id: messageId })
        .where('reveal_id', 'in', revealIds)
        .execute();
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
