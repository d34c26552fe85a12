/**
 * Reveal notices: when staff reveal a field of a customer, the customer is told — at once, or in a daily
 * digest, as they chose in the portal — through the outbox (email if they have an address on file, else SMS).
 * A notice names the fields (never their values), when, the staff member's role and site (never a name), the
 * purpose, and links to the portal's access history.
 *
 * The default is `immediate`: a notice is how a customer catches an insider (or someone who took over their
 * phone number) while it still matters; a digest delays that by up to a day, so it is the customer's choice
 * to make, not ours.
 *
 * Invariants: a reveal is noticed once (its `revealId` keys the row, so a repeated event does nothing); a
 * customer's digest of a day is claimed in the database before it is queued and ledgered
 * (`notice.digest_claimed`), so a restarted job, or a second node, never sends it twice; nothing personal is
 * stored here but ids, field names, role and site. Notices follow the bus, which is in-process; a reveal
 * whose process died before its handler ran is caught up from the ledger (`catchUp`, run every minute, looking
 * back a day after a start), so every reveal in the ledger is noticed; it also queues an immediate notice that
 * was stored but never queued (a minute after its reveal), and skips a reveal that failed (`act.failed`).
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { EntryInput, LedgerEntry } from '../../ledger/entry-types.ts';
import { failedAll, recordAll } from '../../ledger/record-all.ts';
import { type Actor, actorRef, customerIdOf, staffIdOfRef } from '../../platform/actor.ts';
import type { BusEvent } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import type { DatabaseTransaction } from '../../platform/database/database.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { RevealItem } from '../outbox/messages.ts';
import type { Outbox } from '../outbox/outbox.service.ts';
import type { OutboxChannel } from '../outbox/outbox.types.ts';
import type { NoticeStore } from './notices.store.ts';
import { type NoticeMode, noticeModes, type RevealNotice } from './notices.types.ts';

/** The customers' day: China time (UTC+8, no daylight saving). */
const DAY_OFFSET_MS = 8 * 3600_000;
/** How far back the first catch-up after a start looks for reveals the bus did not deliver. */
const CATCH_UP_WINDOW_MS = 24 * 3600_000;
/** Reveals a digest run looks at, at most: the rest wait for the next run. */
const DIGEST_BATCH = 2000;
const noticesActor: Actor = { type: 'system', id: 'notices' };
/** How long after a reveal the catch-up takes over queueing its notice from the reveal's own handler. */
const QUEUE_GRACE_MS = 60_000;
/** Reveals one flush stores at most (one transaction). */
const NOTICE_BATCH = 256;

/** A reveal as the bus or the ledger tells of it. */
interface RevealToNotice {
  staffId: string;
  customerId: string;
  revealId: string;
  fields: string[];
  purpose: string;
  at: number;
}

/** The customer's day (YYYY-MM-DD, China time) of an instant. */
export function noticeDay(at: number): string {
  return new Date(at + DAY_OFFSET_MS).toISOString().slice(0, 10);
}

const item = (n: RevealNotice): RevealItem => ({
  fields: n.fields,
  at: new Date(n.revealedAt).toISOString(),
  role: n.staffRole,
  site: n.staffSite,
  purpose: n.purpose,
});

export function createNotices(deps: {
  store: NoticeStore;
  outbox: Pick<Outbox, 'queue' | 'prepare' | 'store'>;
  vault: Pick<VaultService, 'forMessage'>;
  /** The revealing staff member's role and site (never their name). */
  staffMember: (staffId: string) => Promise<{ role: string; site: string } | undefined>;
  ledger: Pick<Ledger, 'record' | 'replay' | 'append'>;
  clock: Clock;
  /** Run `work` in one database transaction (the batch's notices and messages commit together). */
  transaction: <R>(work: (trx: DatabaseTransaction) => Promise<R>) => Promise<R>;
}) {
  const { store, outbox, ledger, clock } = deps;
  /** The catch-up's cursor: reveals ledgered at or after this instant are looked at next time. */
  let caughtUpTo = clock.now() - CATCH_UP_WINDOW_MS;

  /** Email if the customer has an address on file, else SMS if a phone (neither opened); null if neither. */
  function channelFor(customer: { has(channel: 'phone' | 'email'): boolean }): OutboxChannel | null {
    if (customer.has('email')) return 'email';
    if (customer.has('phone')) return 'sms';
    return null;
  }

  async function channelOf(customerId: string): Promise<OutboxChannel | null> {
    const customer = await deps.vault.forMessage(customerId);
    if (customer) return channelFor(customer);
    return null;
  }

  async function modeOf(customerId: string): Promise<NoticeMode> {
    return (await store.modeOf(customerId)) ?? 'immediate';
  }

  /**
   * Reveals waiting to be noticed, each with its caller, and the flush running now. Reveals arrive one bus
   * event each; a flush takes every one waiting (after letting a burst gather) and stores them in one
   * transaction, so a busy help desk costs one commit per batch rather than three per reveal.
   */
  const waiting: Array<{
    reveal: RevealToNotice;
    done: (noticed: boolean) => void;
    failed: (e: unknown) => void;
  }> = [];
  let flushing: Promise<void> | null = null;

  /** Record a reveal and, in `immediate` mode, queue its notice; false when there was nothing to do. */
  function notice(reveal: RevealToNotice): Promise<boolean> {
    return new Promise((done, failed) => {
      waiting.push({ reveal, done, failed });
      kick();
    });
  }

  function kick(): void {
    if (flushing) return;
    flushing = flush().finally(() => {
      flushing = null;
      if (waiting.length > 0) kick();
    });
  }

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      const batch = waiting.splice(0, NOTICE_BATCH);
      try {
        const noticed = await noticeAll(batch.map((w) => w.reveal));
        for (const w of batch) w.done(noticed.has(w.reveal.revealId));
      } catch (error) {
        for (const w of batch) w.failed(error);
      }
    }
  }

  /** What to store of new reveals, and which stored immediate notices still need their message. */
  async function sortReveals(reveals: readonly RevealToNotice[]) {
    const fresh: RevealNotice[] = [];
    const late: RevealNotice[] = [];
    const seen = new Set<string>();
    /** Each customer of the batch loaded once (null: no such customer, or erased). */
    const customers = new Map<string, Awaited<ReturnType<VaultService['forMessage']>>>();
    for (const reveal of reveals) {
      const { customerId, revealId } = reveal;
      if (seen.has(revealId)) continue;
      seen.add(revealId);
      // An erased customer (the catch-up reads reveals from the ledger, which outlives them) is told nothing
      // and nothing about them is kept.
      if (!customers.has(customerId)) customers.set(customerId, await deps.vault.forMessage(customerId));
      if (!customers.get(customerId)) continue;
      const known = await store.byReveal(revealId);
      if (known) {
        // Stored but never queued (its process died, or queueing failed): queued now, once QUEUE_GRACE_MS has
        // passed (before that its own flush may still be queueing it).
        if (
          known.mode === 'immediate' &&
          known.messageId === null &&
          clock.now() - known.revealedAt >= QUEUE_GRACE_MS
        )
          late.push(known);
        continue;
      }
      const member = reveal.staffId === '' ? undefined : await deps.staffMember(reveal.staffId);
      fresh.push({
        revealId,
        customerId,
        fields: reveal.fields,
        purpose: reveal.purpose,
        staffRole: member?.role ?? 'staff',
        staffSite: member?.site ?? 'unknown',
        revealedAt: reveal.at,
        day: noticeDay(reveal.at),
        mode: await modeOf(customerId),
        messageId: null,
      });
    }
    return { fresh, late, customers };
  }

  /**
   * Store new reveals' notices and queue the immediate ones' messages, all in one transaction after their
   * `notification.queued` entries are durable. Returns the reveals noticed now (stored, or queued late).
   */
  async function noticeAll(reveals: readonly RevealToNotice[]): Promise<Set<string>> {
    const { fresh, late, customers } = await sortReveals(reveals);
    const messages: Array<{ notice: RevealNotice; late: boolean } & Awaited<ReturnType<Outbox['prepare']>>> =
      [];
    for (const [n, isLate] of [
      ...fresh.map((n) => [n, false] as const),
      ...late.map((n) => [n, true] as const),
    ]) {
      const customer = customers.get(n.customerId);
      if (n.mode !== 'immediate' || !customer) continue;
      const channel = channelFor(customer);
      if (channel === null) continue;
      const prepared = await outbox.prepare(
        noticesActor,
        { customerId: n.customerId, channel, kind: 'reveal_notice', params: { reveals: [item(n)] } },
        customer.sealNote,
      );
      if (!isLate) n.messageId = prepared.message.id;
      messages.push({ notice: n, late: isLate, ...prepared });
    }
    if (fresh.length === 0 && messages.length === 0) return new Set();
    const entries = messages.map((m) => m.entry);
    const { noticed, unsent, indexes } = await recordAll(ledger, entries, (indexes) =>
      deps.transaction(async (trx) => {
        const stored = await store.insert(fresh, trx);
        const kept: typeof messages = [];
        const unsent: number[] = [];
        for (const [i, m] of messages.entries()) {
          // Another writer stored this reveal's notice meanwhile, or queued the late one: not sent twice.
          const ours = m.late
            ? await store.setMessage([m.notice.revealId], m.message.id, trx)
            : stored.has(m.notice.revealId);
          if (ours) kept.push(m);
          else unsent.push(i);
        }
        await outbox.store(
          kept.map((m) => m.message),
          trx,
        );
        const noticed = new Set([...stored, ...kept.filter((m) => m.late).map((m) => m.notice.revealId)]);
        return { noticed, unsent, indexes };
      }),
    );
    if (unsent.length > 0) {
      const unsentEntries = unsent.map((i) => entries[i] as EntryInput);
      await failedAll(
        ledger,
        unsentEntries,
        unsent.map((i) => indexes[i] as number),
        'ALREADY_NOTICED',
      );
    }
    return noticed;
  }

  return {
    modeOf,

    /** Erasure: what is kept to tell the customer goes with them (in the erasure's transaction). */
    discardFor: (customerId: string, trx: DatabaseTransaction) => store.deleteForCustomer(customerId, trx),

    /** The signed-in customer's own choice. */
    async preference(actor: Actor): Promise<{ mode: NoticeMode }> {
      return { mode: await modeOf(customerIdOf(actor)) };
    },

    /** The signed-in customer chooses immediate notices or a daily digest (ledgered first). */
    async choose(actor: Actor, mode: string): Promise<{ mode: NoticeMode }> {
      const customerId = customerIdOf(actor);
      if (!(noticeModes as readonly string[]).includes(mode)) {
        throw new CustosError('VALIDATION_FAILED', `mode must be one of ${noticeModes.join(', ')}`);
      }
      const chosen = mode as NoticeMode;
      await ledger.record(
        {
          type: 'notice.preference_set',
          actor: actorRef(actor),
          subject: customerId,
          data: { customerId, mode },
        },
        () => store.setMode(customerId, chosen, clock.now()),
      );
      return { mode: chosen };
    },

    /** A staff reveal happened (the bus's `customer.revealed`): tell the customer now, or keep it for the digest. */
    async revealed(event: BusEvent<'customer.revealed'>): Promise<void> {
      await notice({ ...event.data, at: event.at });
    },

    /**
     * Notice the reveals in the ledger the bus did not deliver (a process that died between a reveal's entry and
     * its handler); returns how many it noticed. Idempotent: a reveal already noticed is skipped.
     */
    async catchUp(): Promise<number> {
      // A reveal whose opening failed after its entry (`act.failed` naming it, just after) showed nothing:
      // the customer is not told of it.
      const reveals: Array<LedgerEntry<'customer.revealed'> & { index: number }> = [];
      const failed = new Set<number>();
      for await (const entry of ledger.replay(['customer.revealed', 'act.failed'], caughtUpTo)) {
        if (entry.type === 'act.failed') failed.add((entry as LedgerEntry<'act.failed'>).data.ref);
        else reveals.push(entry as LedgerEntry<'customer.revealed'> & { index: number });
      }
      let noticed = 0;
      for (const entry of reveals) {
        // Reveals within the grace are read again next time, in case their notice is still to be queued.
        caughtUpTo = Math.max(caughtUpTo, Math.min(entry.at, clock.now() - QUEUE_GRACE_MS));
        if (failed.has(entry.index)) continue;
        const { customerId, revealId, fields, purpose } = entry.data;
        const staffId = staffIdOfRef(entry.actor) ?? '';
        if (await notice({ staffId, customerId, revealId, fields, purpose, at: entry.at })) noticed++;
      }
      return noticed;
    },

    /**
     * Send each customer who chose the digest one message for each past day with reveals not yet told. Run
     * periodically; returns how many digests were queued. Idempotent: a day's digest is claimed once.
     */
    async sendDigests(): Promise<number> {
      const today = noticeDay(clock.now());
      const groups = new Map<string, RevealNotice[]>();
      for (const n of await store.undigested(today, DIGEST_BATCH)) {
        const key = `${n.customerId} ${n.day}`;
        groups.set(key, [...(groups.get(key) ?? []), n]);
      }
      let queued = 0;
      for (const notices of groups.values()) {
        const { customerId, day } = notices[0] as RevealNotice;
        if (!(await store.claimDigest(customerId, day, clock.now()))) continue;
        const channel = await channelOf(customerId);
        await ledger.record(
          {
            type: 'notice.digest_claimed',
            actor: actorRef(noticesActor),
            subject: customerId,
            data: { customerId, day, reveals: notices.length, sent: channel !== null },
          },
          async () => {
            if (channel === null) return;
            const messageId = await outbox.queue(noticesActor, {
              customerId,
              channel,
              kind: 'reveal_digest',
              params: { day, reveals: notices.map(item) },
            });
            await store.digestSent(customerId, day, messageId);
            await store.setMessage(
              notices.map((n) => n.revealId),
              messageId,
            );
            queued++;
          },
        );
      }
      return queued;
    },
  };
}

export type Notices = ReturnType<typeof createNotices>;
