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

/** An attempt's outcome as stored. */
export type Settled =
  | { id: string; sent: true; attempts: number; now: number }
  | { id: string; sent: false; attempts: number; nextAttemptAt: number; error: string; dead: boolean };

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

    /** Store queued messages; in `trx` when they commit with other writes (reveal notices). */
    async insert(messages: readonly OutboxMessage[], trx: Kysely<Database> = db): Promise<void> {
      if (messages.length === 0) return;
      await trx
        .insertInto('outbox_messages')
        .values(
          messages.map((m) => ({
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
          })),
        )
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
     * Claim due messages for one attempt each, in one transaction: a message is claimed (its next attempt
     * pushed to `leaseUntil`) only if it is still as read, so two workers (two API nodes) never send a message
     * twice at once. Returns the messages claimed.
     */
    async claim(messages: readonly OutboxMessage[], leaseUntil: number): Promise<OutboxMessage[]> {
      if (messages.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        const claimed: OutboxMessage[] = [];
        for (const m of messages) {
          const result = await trx
            .updateTable('outbox_messages')
            .set({ next_attempt_at: leaseUntil })
            .where('id', '=', m.id)
            .where('status', '=', 'pending')
            .where('next_attempt_at', '=', m.nextAttemptAt)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) > 0) claimed.push(m);
        }
        return claimed;
      });
    },

    /**
     * Store attempts' outcomes in one transaction. Sent: the sealed address and parameters are dropped (an old
     * contact, a token) — nothing will need them. Failed: try again at `nextAttemptAt`, or (`dead`) never again,
     * its sealed parts dropped.
     */
    async settle(outcomes: readonly Settled[]): Promise<void> {
      if (outcomes.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const o of outcomes) {
          await trx
            .updateTable('outbox_messages')
            .set(
              o.sent
                ? {
                    status: 'sent',
                    attempts: o.attempts,
                    sent_at: o.now,
                    last_error: null,
                    recipient_sealed: null,
                    params_sealed: null,
                  }
                : {
                    status: o.dead ? 'dead' : 'pending',
                    attempts: o.attempts,
                    next_attempt_at: o.nextAttemptAt,
                    last_error: o.error,
                    ...(o.dead ? { recipient_sealed: null, params_sealed: null } : {}),
                  },
            )
            .where('id', '=', o.id)
            .execute();
        }
      });
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
