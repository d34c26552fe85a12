/**
 * The outbox: every message Custos sends a customer (a portal invitation, a notice that a contact was
 * replaced, a notice or a daily digest of staff reveals) is queued here and delivered by a worker (`deliverDue`, run every few
 * seconds from `custos.start()`), with retries that back off and a dead letter after the last.
 *
 * Invariants: staff never see what is sent, nor to where — a message is queued by customer id and channel;
 * its address is the customer's contact on file, read from the vault at send time, or (for a notice to a
 * contact just replaced) the old address sealed under the customer's key; its parameters (a token) are sealed
 * under the customer's key too, so crypto-shredding a customer also shreds their queued messages. Queuing,
 * each send and each failure are ledgered with ids only (`notification.queued` / `sent` / `failed`), the
 * queuing ahead of the message existing.
 */
import type { DatabaseTransaction } from '../../platform/database/database.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { EntryInput } from '../../ledger/entry-types.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import { type MessageParams, render } from './messages.ts';
import type { OutboxStore } from './outbox.store.ts';
import type {
  EmailTransport,
  MessageKind,
  OutboxChannel,
  OutboxMessage,
  SmsTransport,
} from './outbox.types.ts';

/** Attempts before a message is a dead letter; back-off doubles from one minute, at most an hour. */
export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3600_000;
/** How long an attempt holds its message against other workers. */
const LEASE_MS = 5 * 60_000;
/** Messages one run of the worker claims (in one transaction) and settles (in another). */
const BATCH = 500;
/** Messages in flight to the transports at once. */
const SENDERS = 16;

/** The delay before attempt `attempts + 1`, after `attempts` failures. */
export function retryDelay(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

export interface QueueRequest {
  customerId: string;
  channel: OutboxChannel;
  kind: MessageKind;
  params?: MessageParams;
  /** Send to this address instead of the contact on file (sealed at once): the contact just replaced. */
  recipient?: string;
}

const contactField = { email: 'email', sms: 'phone' } as const;

export function createOutbox(deps: {
  store: OutboxStore;
  vault: Pick<VaultService, 'sealNote' | 'openNote' | 'unsealFields'>;
  email: EmailTransport;
  sms: SmsTransport;
  ledger: Pick<Ledger, 'append' | 'record'>;
  clock: Clock;
  logger: Logger;
  publicOrigin: string;
}) {
  const { store, vault, ledger, clock } = deps;

  /** Where a message goes, or null when the customer has no such contact (any more). */
  async function recipientOf(m: OutboxMessage): Promise<string | null> {
    if (m.recipientSealed) return vault.openNote(m.customerId, `outbox/${m.id}/to`, m.recipientSealed);
    const fields = await vault.unsealFields(m.customerId, [contactField[m.channel]]);
    const value = fields[contactField[m.channel]];
    return typeof value === 'string' ? value : null;
  }

  /** What one attempt came to: sent, or failed (`dead`: never again). Ledgered and stored by the caller. */
  type Outcome =
    | { m: OutboxMessage; attempts: number; sent: true }
    | { m: OutboxMessage; attempts: number; sent: false; code: string; dead: boolean };

  async function attempt(m: OutboxMessage): Promise<Outcome> {
    const attempts = m.attempts + 1;
    try {
      const to = await recipientOf(m);
      if (to === null) throw new CustosError('NOT_FOUND', 'no contact on file for this channel');
      const params = m.paramsSealed
        ? (JSON.parse(
            await vault.openNote(m.customerId, `outbox/${m.id}/params`, m.paramsSealed),
          ) as MessageParams)
        : {};
      const { subject, text } = render(m.kind, params, deps.publicOrigin);
      if (m.channel === 'email') await deps.email.send({ to, subject, text });
      else await deps.sms.send({ to, text });
      return { m, attempts, sent: true };
    } catch (error) {
      // A customer without the contact, or erased (no key), will not become reachable by waiting.
      const hopeless =
        error instanceof CustosError &&
        (error.code === 'NOT_FOUND' ||
          error.code === 'CUSTOMER_NOT_FOUND' ||
          error.code === 'SEALED_VALUE_INVALID');
      const code = error instanceof CustosError ? error.code : 'DELIVERY_FAILED';
      const dead = hopeless || attempts >= MAX_ATTEMPTS;
      deps.logger.warn({ messageId: m.id, attempts, code, dead }, 'outbox delivery failed');
      return { m, attempts, sent: false, code, dead };
    }
  }

  /** The outcomes ledgered (their entries share group commits), then stored in one transaction. */
  async function settle(outcomes: readonly Outcome[]): Promise<void> {
    const actor = actorRef({ type: 'system', id: 'outbox' });
    await Promise.all(
      outcomes.map((o) =>
        o.sent
          ? ledger.append({
              type: 'notification.sent',
              actor,
              subject: o.m.customerId,
              data: { messageId: o.m.id, attempts: o.attempts },
            })
          : ledger.append({
              type: 'notification.failed',
              actor,
              subject: o.m.customerId,
              data: { messageId: o.m.id, attempts: o.attempts, code: o.code, dead: o.dead },
            }),
      ),
    );
    const now = clock.now();
    await store.settle(
      outcomes.map((o) =>
        o.sent
          ? { id: o.m.id, sent: true as const, attempts: o.attempts, now }
          : {
              id: o.m.id,
              sent: false as const,
              attempts: o.attempts,
              nextAttemptAt: now + retryDelay(o.attempts),
              error: o.code,
              dead: o.dead,
            },
      ),
    );
  }

  async function prepare(
    by: Actor,
    request: QueueRequest,
    /** The customer's sealer when the caller has it loaded already (vault.forMessage). */
    seal: (label: string, text: string) => Buffer | Promise<Buffer> = (label, text) =>
      vault.sealNote(request.customerId, label, text),
  ): Promise<{ message: OutboxMessage; entry: EntryInput<'notification.queued'> }> {
    const now = clock.now();
    const id = uuidv7(now);
    const message: OutboxMessage = {
      id,
      customerId: request.customerId,
      channel: request.channel,
      kind: request.kind,
      recipientSealed:
        request.recipient === undefined ? null : await seal(`outbox/${id}/to`, request.recipient),
      paramsSealed:
        request.params === undefined
          ? null
          : await seal(`outbox/${id}/params`, JSON.stringify(request.params)),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
      sentAt: null,
    };
    const entry: EntryInput<'notification.queued'> = {
      type: 'notification.queued',
      actor: actorRef(by),
      subject: request.customerId,
      data: { messageId: id, customerId: request.customerId, channel: request.channel, kind: request.kind },
    };
    return { message, entry };
  }

  return {
    /**
     * Queue a message to a customer: ledgered ahead (`notification.queued`), then stored. Returns its id.
     * Nothing about the address or the parameters is returned or ledgered.
     */
    async queue(by: Actor, request: QueueRequest): Promise<string> {
      const { message, entry } = await prepare(by, request);
      await ledger.record(entry, () => store.insert([message]));
      return message.id;
    },

    /**
     * A message ready to queue with others: its sealed parts and its `notification.queued` entry. The caller
     * ledgers the entries ahead (`recordAll`) and stores the messages with `store` in one transaction.
     */
    prepare,
    store: (messages: readonly OutboxMessage[], trx: DatabaseTransaction) => store.insert(messages, trx),

    /** Try every message due now, once each; returns how many were tried. The worker calls it on a timer. */
    async deliverDue(): Promise<number> {
      const now = clock.now();
      const claimed = await store.claim(await store.due(now, BATCH), now + LEASE_MS);
      const outcomes: Outcome[] = [];
      let next = 0;
      const sender = async () => {
        while (next < claimed.length) outcomes.push(await attempt(claimed[next++] as OutboxMessage));
      };
      await Promise.all(Array.from({ length: Math.min(SENDERS, claimed.length) }, sender));
      await settle(outcomes);
      return claimed.length;
    },

    /** One message's delivery state (no address, no body): for the customer's history and for tests. */
    async state(id: string) {
      const m = await store.byId(id);
      return m && { id: m.id, status: m.status, attempts: m.attempts, lastError: m.lastError };
    },

    /** Drop every message to a customer inside an erasure's transaction; returns how many. */
    discardFor: (customerId: string, trx: DatabaseTransaction) => store.deleteForCustomer(customerId, trx),

    /**
     * Messages given up on, for security: ids, kind, channel, attempts and the last error's code — never an
     * address, a parameter or a body (the outbox keeps those sealed under the customer's key anyway).
     */
    async deadLetters(limit: number) {
      return (await store.dead(limit)).map((m) => ({
        messageId: m.id,
        customerId: m.customerId,
        kind: m.kind,
        channel: m.channel,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: new Date(m.createdAt).toISOString(),
      }));
    },

    close(): void {
      deps.email.close?.();
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
