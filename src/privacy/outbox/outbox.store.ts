/**
 * SQL for the outbox: messages queued for customers, claimed by the delivery worker, marked sent or dead.
 * Messages come and go as `OutboxMessage`s (outbox.types.ts): the rows stay in this file.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OutboxMessagesTable } from '../../platform/database/schema.ts';
import type { MessageKind, MessageStatus, OutboxChannel, OutboxMessage } from './outbox.types.ts';

function toMessage(row: Selectable<OutboxMessagesTable>): OutboxMessage {
  return {
    id: row.id,
    customerId: row.customer_id,
    channel: row.channel as OutboxChannel,
    kind: row.kind as MessageKind,
    recipientSealed: row.recipient_sealed,
    paramsSealed: row.params_sealed,
    status: row.status as MessageStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
  };
}

export function createOutboxStore(db: Kysely<Database>) {
  return {
    /** Every message to a customer, whatever its state (erasure: their sealed blobs die with their key). */
    async deleteForCustomer(customerId: string, trx: Transaction<Database>): Promise<number> {
      const result = await trx
        .deleteFrom('outbox_messages')
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async insert(m: OutboxMessage): Promise<void> {
      await db
        .insertInto('outbox_messages')
        .values({
          id: m.id,
          customer_id: m.customerId,
          channel: m.channel,
          kind: m.kind,
          recipient_sealed: m.recipientSealed,
          params_sealed: m.paramsSealed,
          status: m.status,
          attempts: m.attempts,
          next_attempt_at: m.nextAttemptAt,
          last_error: m.lastError,
          created_at: m.createdAt,
          sent_at: m.sentAt,
        })
        .execute();
    },

    async byId(id: string): Promise<OutboxMessage | undefined> {
      const row = await db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toMessage(row) : undefined;
    },

    /** Messages given up on (dead letters), latest first. */
    async dead(limit: number): Promise<OutboxMessage[]> {
      const rows = await db
        .selectFrom('outbox_messages')
        .selectAll()
        .where('status', '=', 'dead')
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toMessage);
    },

    /** Pending messages due by `now`, oldest first. */
    async due(now: number, limit: number): Promise<OutboxMessage[]> {
      const rows = await db
        .selectFrom('outbox_messages')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      return rows.map(toMessage);
    },

    /**
     * Claim a due message for one attempt: pushes its next attempt to `leaseUntil` if it is still as read.
     * True for exactly one caller, so two workers (two API nodes) never send a message twice at once.
     */
    async claim(m: OutboxMessage, leaseUntil: number): Promise<boolean> {
      const result = await db
        .updateTable('outbox_messages')
        .set({ next_attempt_at: leaseUntil })
        .where('id', '=', m.id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '=', m.nextAttemptAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Sent: the sealed address and parameters are dropped (an old contact, a token) — nothing will need them. */
    async markSent(id: string, attempts: number, now: number): Promise<void> {
      await db
        .updateTable('outbox_messages')
        .set({
          status: 'sent',
          attempts,
          sent_at: now,
          last_error: null,
          recipient_sealed: null,
          params_sealed: null,
        })
        .where('id', '=', id)
        .execute();
    },

    /** A failed attempt: try again at `nextAttemptAt`, or (`dead`) never again, its sealed parts dropped. */
    async markFailed(
      id: string,
      change: { attempts: number; nextAttemptAt: number; error: string; dead: boolean },
    ): Promise<void> {
      await db
        .updateTable('outbox_messages')
        .set({
          status: change.dead ? 'dead' : 'pending',
          attempts: change.attempts,
          next_attempt_at: change.nextAttemptAt,
          last_error: change.error,
          ...(change.dead ? { recipient_sealed: null, params_sealed: null } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
