/**
 * My data (PIPL 45, GDPR 15) and correction (PIPL 46, GDPR 16) for the signed-in customer: their own record
 * in plaintext, and corrections to it.
 *
 * Invariants: the customer is the session's own (`customerIdOf`: no id to give, so none to guess); the
 * self-access is in the ledger (`customer.self_viewed`) before the plaintext is read; a correction needs a
 * fresh second factor, bumps the record's version, and keeps no old value anywhere — the vault overwrites
 * the sealed field and its blind index, and `customer.updated` names only the fields and the new version. A
 * replaced phone or email is told (`contact_changed`, naming no new value), as a clerk's change is: someone
 * holding the customer's session cannot move their notices to another contact unnoticed.
 */
import type { Session, Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef, customerIdOf } from '../../platform/actor.ts';
import { CustosError } from '../../platform/errors.ts';
import { fieldSpecs } from '../../vault/customer-fields.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { Outbox } from '../outbox/outbox.service.ts';

const channelOf = { phone: 'sms', email: 'email' } as const;

export interface MyDataDeps {
  vault: Pick<VaultService, 'exists' | 'ownRecord' | 'updateCustomer' | 'unsealFields'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'record'>;
  outbox: Pick<Outbox, 'queue'>;
}

export function createMyData({ vault, sessions, ledger, outbox }: MyDataDeps) {
  async function ownId(session: Session): Promise<string> {
    const customerId = customerIdOf(session.actor);
    if (!(await vault.exists(customerId))) throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
    return customerId;
  }

  return {
    /** The customer's own record in plaintext, ledgered as a self-access first. */
    async view(session: Session) {
      const customerId = await ownId(session);
      return ledger.record(
        {
          type: 'customer.self_viewed',
          actor: actorRef(session.actor),
          subject: customerId,
          data: { customerId },
        },
        () => vault.ownRecord(customerId),
      );
    },

    /**
     * Correct some of the customer's own fields (a fresh second factor), optionally only if the record is
     * still at `expectedVersion`; returns the new version.
     */
    async correct(session: Session, change: object, expectedVersion?: number): Promise<{ version: number }> {
      const customerId = await ownId(session);
      sessions.requireStepUp(session);
      const given = change as Record<string, unknown>;
      const contacts = (['phone', 'email'] as const).filter((f) => given[f] !== undefined);
      const before = contacts.length > 0 ? await vault.unsealFields(customerId, contacts) : {};
      const view = await vault.updateCustomer(session.actor, customerId, change, expectedVersion);
      for (const field of contacts) {
        const old = before[field];
        const next = typeof given[field] === 'string' ? fieldSpecs[field].normalise(given[field]) : null;
        if (typeof old !== 'string' || old === next) continue;
        await outbox.queue(session.actor, {
          customerId,
          channel: channelOf[field],
          kind: 'contact_changed',
          params: { field },
          recipient: old,
        });
      }
      return { version: view.version };
    },
  };
}

export type MyData = ReturnType<typeof createMyData>;
