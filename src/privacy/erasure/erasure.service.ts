/**
 * Erasure (PIPL 47, GDPR 17, CCPA 1798.105) by crypto-shredding, and the legal hold that blocks it.
 *
 * An erasure — asked by the signed-in customer in the portal, or decided by a privacy officer (the policy's
 * `customer_erase`), each with a fresh second factor — writes the content-free tombstone `customer.erased`
 * first (write-ahead), then in one transaction deletes the customer's row (sealed fields, masked view, blind
 * indexes), their data key (with the to-do that replaces their shred group's key) and their queued messages;
 * then closes their open cases (`erased`), erases their portal account, and replaces the shred group's key
 * (crypto/shredding.ts: after it, copies of the database taken before hold their data key under a key that
 * exists nowhere). A crash after the transaction is finished at the next start (the re-key); an erasure that
 * failed after its deletion (cases, requests or the portal account left) is finished by asking again.
 *
 * An officer's act that reached a customer is told to access's gate (`reached`): no real customer asks for a
 * honey record to be erased or held, so the watcher treats it as a honey touch.
 *
 * A legal hold (`legal_hold`, security acting as privacy officer) keeps the data but refuses erasure with
 * 409 LEGAL_HOLD and the stated reason; a hold the ledger records as placed and never lifted holds even when
 * its row was deleted in the database. The reason is sealed under the customer's own key; the ledger holds
 * only its SHA-256, so it neither leaks there nor survives the erasure that follows the hold's end.
 */
import { createHash } from 'node:crypto';
import type { PendingRekey } from '../../crypto/keyring.types.ts';
import type { Shredding } from '../../crypto/shredding.ts';
import type { Accounts } from '../../identity/accounts/accounts.service.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Session, Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { Outbox } from '../outbox/outbox.service.ts';
import type { Notices } from '../notices/notices.service.ts';
import type { LegalHoldStore } from './legal-holds.store.ts';

const HOLD_LABEL = 'legal_hold_reason';
const MAX_REASON = 1000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface ErasureDeps {
  vault: Pick<VaultService, 'exists' | 'deleteCustomer' | 'sealNote' | 'openNote'>;
  shredding: Pick<Shredding, 'destroyCustomerKey' | 'rekey'>;
  outbox: Pick<Outbox, 'discardFor'>;
  notices: Pick<Notices, 'discardFor'>;
  accounts: Pick<Accounts, 'eraseCustomerAccount'>;
  /** Close the customer's pending requests: an erasure request fulfilled, any other withdrawn. */
  closeRequests: (customerId: string) => Promise<number>;
  /** Close the customer's open cases as `erased` (access's cases; privacy does not import access). */
  closeCases: (by: Actor, customerId: string) => Promise<number>;
  /** The access decision for a staff act (access's gate). */
  authorize: (p: StaffPrincipal, action: 'customer_erase' | 'legal_hold') => Promise<void>;
  /** Tell access's gate an allowed officer act reached this customer (the watcher checks honey records). */
  reached: (p: StaffPrincipal, action: 'customer_erase' | 'legal_hold', customerId: string) => void;
  sessions: Pick<Sessions, 'requireStepUp'>;
  holds: LegalHoldStore;
  ledger: Pick<Ledger, 'record' | 'append' | 'replay'>;
  clock: Clock;
}

export interface ErasureResult {
  customerId: string;
  erasedAt: string;
  casesClosed: number;
  portalAccountErased: boolean;
}

export interface LegalHoldView {
  customerId: string;
  held: boolean;
  reason?: string;
  placedAt?: string;
}

function validReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim().length < 3 || reason.length > MAX_REASON) {
    throw validationFailed([{ path: 'reason', problem: `3 to ${MAX_REASON} characters` }]);
  }
  return reason.trim();
}

export function createErasure(deps: ErasureDeps) {
  const { vault, holds, ledger, clock } = deps;

  /** Every erasure and hold act needs a second factor no older than the step-up window. */
  function freshSecondFactor(session: Session): void {
    deps.sessions.requireStepUp(session);
  }

  async function requireCustomer(customerId: string): Promise<void> {
    if (!(await vault.exists(customerId))) throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
  }

  /**
   * Whether the ledger's last hold entry about the customer whose act did not fail is a placement (the table
   * can be edited; the ledger cannot, unnoticed).
   */
  async function heldPerLedger(customerId: string): Promise<boolean> {
    const acts: { index: number; placed: boolean }[] = [];
    const failed = new Set<number>();
    const types = ['legal_hold.placed', 'legal_hold.lifted', 'act.failed'] as const;
    for await (const entry of ledger.replay(types, 0)) {
      if (entry.subject !== customerId) continue;
      if (entry.type === 'act.failed') failed.add((entry.data as { ref: number }).ref);
      else acts.push({ index: entry.index, placed: entry.type === 'legal_hold.placed' });
    }
    return acts.filter((a) => !failed.has(a.index)).at(-1)?.placed ?? false;
  }

  async function refuseIfHeld(actor: Actor, customerId: string): Promise<void> {
    const hold = await holds.get(customerId);
    if (!hold && !(await heldPerLedger(customerId))) return;
    // A hold the ledger records but the table lost (deleted in the database) still holds, with no reason to show.
    const reason = hold
      ? await vault.openNote(customerId, HOLD_LABEL, hold.reasonSealed)
      : 'a legal hold on the record was never lifted';
    await ledger.append({
      type: 'customer.erasure_refused',
      actor: actorRef(actor),
      subject: customerId,
      data: { customerId, reason: 'legal_hold' },
    });
    throw new CustosError(
      'LEGAL_HOLD',
      'This data is under a legal hold: it cannot be erased until the hold is lifted (the details say why)',
      { details: [{ path: 'legalHold', problem: reason }] },
    );
  }

  /** Whether the ledger holds the customer's tombstone (an erasure whose deletion may have been done). */
  async function tombstoned(customerId: string): Promise<boolean> {
    for await (const entry of ledger.replay(['customer.erased'], 0))
      if (entry.subject === customerId) return true;
    return false;
  }

  /** What follows the deletion: cases and requests closed, the portal account erased, the group re-keyed. */
  async function finish(actor: Actor, customerId: string, at: number, rekey: PendingRekey | null) {
    // Closed by the system, not the person who erased: the watcher scores case closures per staff member.
    const casesClosed = await deps.closeCases(systemActor, customerId);
    const requestsClosed = await deps.closeRequests(customerId);
    const portalAccountErased = await deps.accounts.eraseCustomerAccount(actor, customerId);
    if (rekey) await deps.shredding.rekey(rekey);
    const result = { customerId, erasedAt: new Date(at).toISOString(), casesClosed, portalAccountErased };
    return { result, leftovers: casesClosed + requestsClosed > 0 || portalAccountErased };
  }

  async function erase(actor: Actor, customerId: string, via: 'portal' | 'staff'): Promise<ErasureResult> {
    if (!(await vault.exists(customerId))) {
      // An erasure interrupted after its deletion (its tombstone stands): asking again finishes what follows.
      if (isUuid(customerId) && (await tombstoned(customerId))) {
        const { result, leftovers } = await finish(actor, customerId, clock.now(), null);
        if (leftovers) return result;
      }
      throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
    }
    await refuseIfHeld(actor, customerId);
    const at = clock.now();
    const shred: { rekey: PendingRekey | null } = { rekey: null };
    await ledger.record(
      { type: 'customer.erased', actor: actorRef(actor), subject: customerId, data: { customerId, via } },
      async () => {
        const deleted = await vault.deleteCustomer(customerId, async (trx) => {
          // A hold placed since the check above: nothing is deleted (the entry gets its act.failed).
          if (await holds.heldIn(customerId, trx))
            throw new CustosError('LEGAL_HOLD', 'A legal hold was placed on this data meanwhile: not erased');
          shred.rekey = await deps.shredding.destroyCustomerKey(customerId, trx);
          await deps.outbox.discardFor(customerId, trx);
          await deps.notices.discardFor(customerId, trx);
        });
        if (!deleted) throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
      },
    );
    return (await finish(actor, customerId, at, shred.rekey)).result;
  }

  return {
    /** The signed-in customer erases their own data (portal). */
    async eraseSelf(session: Session): Promise<ErasureResult> {
      const customerId = customerIdOf(session.actor);
      freshSecondFactor(session);
      return erase(session.actor, customerId, 'portal');
    },

    /** A privacy officer erases a customer's data (a request made by letter or at the counter). */
    async eraseByOfficer(p: StaffPrincipal, customerId: string): Promise<ErasureResult> {
      await deps.authorize(p, 'customer_erase');
      freshSecondFactor(p.session);
      const erased = await erase(p.actor, customerId, 'staff');
      deps.reached(p, 'customer_erase', customerId);
      return erased;
    },

    /** Whether a customer is held, and why (the officer's view). */
    async holdOf(p: StaffPrincipal, customerId: string): Promise<LegalHoldView> {
      await deps.authorize(p, 'legal_hold');
      await requireCustomer(customerId);
      const hold = await holds.get(customerId);
      deps.reached(p, 'legal_hold', customerId);
      if (!hold) return { customerId, held: false };
      return {
        customerId,
        held: true,
        reason: await vault.openNote(customerId, HOLD_LABEL, hold.reasonSealed),
        placedAt: new Date(hold.placedAt).toISOString(),
      };
    },

    /** Place (or restate) a legal hold with its reason. */
    async placeHold(p: StaffPrincipal, customerId: string, reasonIn: unknown): Promise<LegalHoldView> {
      await deps.authorize(p, 'legal_hold');
      freshSecondFactor(p.session);
      const reason = validReason(reasonIn);
      await requireCustomer(customerId);
      const reasonSealed = await vault.sealNote(customerId, HOLD_LABEL, reason);
      const placedAt = clock.now();
      await ledger.record(
        {
          type: 'legal_hold.placed',
          actor: actorRef(p.actor),
          subject: customerId,
          data: { customerId, reasonSha256: sha256(reason) },
        },
        async () => {
          await holds.put({ customerId, reasonSealed, placedBy: p.staffId, placedAt });
          // An erasure that passed its hold check before this write: nothing is left to hold.
          if (!(await vault.exists(customerId))) {
            await holds.remove(customerId);
            throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
          }
        },
      );
      deps.reached(p, 'legal_hold', customerId);
      return { customerId, held: true, reason, placedAt: new Date(placedAt).toISOString() };
    },

    /** Lift a legal hold; NOT_FOUND when there is none. */
    async liftHold(p: StaffPrincipal, customerId: string): Promise<LegalHoldView> {
      await deps.authorize(p, 'legal_hold');
      freshSecondFactor(p.session);
      await requireCustomer(customerId);
      const hold = await holds.get(customerId);
      if (!hold) throw new CustosError('NOT_FOUND', 'This customer is not under a legal hold');
      const reason = await vault.openNote(customerId, HOLD_LABEL, hold.reasonSealed);
      await ledger.record(
        {
          type: 'legal_hold.lifted',
          actor: actorRef(p.actor),
          subject: customerId,
          data: { customerId, reasonSha256: sha256(reason) },
        },
        async () => {
          if (!(await holds.remove(customerId)))
            throw new CustosError('NOT_FOUND', 'This customer is not under a legal hold');
        },
      );
      deps.reached(p, 'legal_hold', customerId);
      return { customerId, held: false };
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
