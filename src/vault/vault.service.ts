/**
 * The vault: customers held sealed, shown masked, found by exact blind-index search.
 *
 * Invariants: every act is in the ledger before its effect is visible (write-ahead, see ledger.service.ts);
 * nothing here returns a real field value except `prepareReveal` / `unsealFields`, which exist for the reveal
 * and export paths (access module) to call after their decision and ledger entry, and `contactOf` /
 * `openNote`, which bind a portal login and deliver the outbox's messages; no route calls them.
 */
import type { BlindIndexKind } from '../crypto/blind-index.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../platform/actor.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import { isUniqueViolation } from '../platform/database/constraint.ts';
import { CustosError, validationFailed } from '../platform/errors.ts';
import { isUuid, uuidv7 } from '../platform/ids.ts';
import type { DatabaseTransaction } from '../platform/database/database.ts';
import {
  ATTRIBUTES_FIELD,
  type FieldName,
  fieldNames,
  fieldSpecs,
  type SearchableField,
  searchableFields,
} from './customer-fields.ts';
import { normaliseCustomerInput } from './customer-input.ts';
import {
  maskedView,
  openFields,
  openMaskedBody,
  sealChange,
  sealedColumn,
  sealNewCustomer,
  withSealedChange,
} from './sealing.ts';
import type { VaultStore } from './vault.store.ts';
import type { MaskedCustomer } from './vault.types.ts';

export interface VaultDeps {
  store: VaultStore;
  keyring: Pick<Keyring, 'cipher' | 'newCustomerKey' | 'saveCustomerKeys' | 'hasCustomerKey' | 'blindIndex'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}

/** At most this many customers come back from one search: it is a lookup, not a listing. */
export const SEARCH_LIMIT = 10;

function requireId(id: string): void {
  if (!isUuid(id)) throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
}

function duplicate(cause?: unknown): CustosError {
  return new CustosError('DUPLICATE_CUSTOMER', 'A customer with this account ID already exists', { cause });
}

export function createVaultService({ store, keyring, ledger, bus, clock }: VaultDeps) {
  async function load(id: string) {
    requireId(id);
    const row = await store.customerById(id);
    const cipher = row ? await keyring.cipher(id) : null;
    if (!row || !cipher) throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
    return { row, cipher };
  }

  return {
    /** Create a customer; `id` may be chosen by the caller (a fresh UUIDv7) when it needs it first. */
    async createCustomer(
      actor: Actor,
      input: unknown,
      id: string = uuidv7(clock.now()),
    ): Promise<MaskedCustomer> {
      requireId(id);
      const customer = normaliseCustomerInput(input, { partial: false });
      const now = clock.now();
      const { cipher, key } = keyring.newCustomerKey(id);
      const row = sealNewCustomer(cipher, keyring, customer, id, now);
      const by = actorRef(actor);
      await ledger.record(
        { type: 'customer.created', actor: by, subject: id, data: { customerId: id, via: 'api' } },
        async () => {
          try {
            await store.transaction(async (trx) => {
              await keyring.saveCustomerKeys([key], trx);
              await store.insertCustomers([row], trx);
            });
          } catch (error) {
            if (isUniqueViolation(error)) throw duplicate(error);
            throw error;
          }
        },
      );
      bus.publish('customer.created', { customerId: id, actor: by });
      return maskedView(cipher, row);
    },

    /** The masked view, ledgered as a view (through `via.caseId` when staff act on a case). */
    async getMasked(actor: Actor, id: string, via: { caseId?: string } = {}): Promise<MaskedCustomer> {
      const { row, cipher } = await load(id);
      const view = maskedView(cipher, row);
      const by = actorRef(actor);
      const caseId = via.caseId === undefined ? {} : { caseId: via.caseId };
      await ledger.append({
        type: 'customer.viewed',
        actor: by,
        subject: id,
        data: { customerId: id, ...caseId },
      });
      bus.publish('customer.viewed', { customerId: id, actor: by, ...caseId });
      return view;
    },

    /** Correct some fields. Old values are overwritten: no plaintext history is kept (PIPL 46, GDPR 16). */
    async updateCustomer(
      actor: Actor,
      id: string,
      input: unknown,
      expectedVersion?: number,
      via: { caseId?: string } = {},
    ): Promise<MaskedCustomer> {
      const change = normaliseCustomerInput(input, { partial: true });
      const { row, cipher } = await load(id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new CustosError('VERSION_CONFLICT', 'The customer was changed since you read it');
      }
      const sealed = sealChange(cipher, keyring, change, openMaskedBody(cipher, row));
      const now = clock.now();
      const fields = Object.keys(change).filter((k) => change[k as keyof typeof change] !== undefined);
      const by = actorRef(actor);
      await ledger.record(
        {
          type: 'customer.updated',
          actor: by,
          subject: id,
          data: {
            customerId: id,
            fields,
            version: row.version + 1,
            ...(via.caseId === undefined ? {} : { caseId: via.caseId }),
          },
        },
        async () => {
          let applied: boolean;
          try {
            applied = await store.updateCustomer(id, row.version, sealed, now);
          } catch (error) {
            if (isUniqueViolation(error)) throw duplicate(error);
            throw error;
          }
          if (!applied)
            throw new CustosError('VERSION_CONFLICT', 'The customer was changed since you read it');
        },
      );
      bus.publish('customer.updated', { customerId: id, actor: by, fields });
      return maskedView(cipher, withSealedChange(row, sealed, now));
    },

    /** Exact search by one searchable field; masked results, at most SEARCH_LIMIT. */
    async search(
      actor: Actor,
      by: string,
      value: string,
      /** What access adds to the entry for the watcher (`patterned`: enumeration). */
      extra: { patterned?: true } = {},
    ): Promise<MaskedCustomer[]> {
      if (!(searchableFields as string[]).includes(by)) {
        throw validationFailed([{ path: 'by', problem: `must be one of ${searchableFields.join(', ')}` }]);
      }
      const spec = fieldSpecs[by as SearchableField];
      const normalised = typeof value === 'string' ? spec.normalise(value) : null;
      if (normalised === null)
        throw validationFailed([{ path: 'value', problem: `must be ${spec.expected}` }]);
      const digest = keyring.blindIndex(spec.index as BlindIndexKind, normalised);
      const ids = await store.idsByBlindIndex(spec.index as BlindIndexKind, digest, SEARCH_LIMIT);
      const results: MaskedCustomer[] = [];
      for (const id of ids) {
        const found = await load(id).catch((error) => {
          if (error instanceof CustosError && error.code === 'CUSTOMER_NOT_FOUND') return null;
          throw error;
        });
        if (found) results.push(maskedView(found.cipher, found.row));
      }
      // The query itself is not recorded, only its keyed digest: security can later ask "who searched for
      // this number?" by computing the digest, but the ledger alone reveals no number.
      // Each match is an access to that customer's (masked) record: one entry each, in their own history. The
      // search and its hits are appended together (one group commit, not two in a row); the hits name it.
      const actorId = actorRef(actor);
      const searchId = uuidv7(clock.now());
      await Promise.all([
        ledger.append({
          type: 'customer.searched',
          actor: actorId,
          data: { by, queryDigest: digest.toString('hex'), matches: results.length, ...extra, searchId },
        }),
        ...results.map((r) =>
          ledger.append({
            type: 'customer.search_hit',
            actor: actorId,
            data: { customerId: r.id, searchId },
          }),
        ),
      ]);
      bus.publish('customer.searched', { actor: actorId, by, matches: results.length });
      return results;
    },

    /**
     * The customer's own phone or email on file (normalised), or null when they have none. For binding a
     * customer's portal login to a contact they gave (identity) — staff never see it, no route returns it.
     * CUSTOMER_NOT_FOUND when there is no such customer.
     */
    async contactOf(id: string, channel: 'phone' | 'email'): Promise<string | null> {
      const { row, cipher } = await load(id);
      const value = openFields(cipher, row, [channel])[channel];
      return typeof value === 'string' ? value : null;
    },

    /**
     * One customer loaded to be told something (privacy/notices): which contacts they have on file, without
     * opening them, and a sealer for the message's parameters — the row read and the key unwrapped once.
     * Null when there is no such customer, or it was erased (no key). Opens nothing.
     */
    async forMessage(id: string) {
      if (!isUuid(id)) return null;
      const row = await store.customerById(id);
      const cipher = row ? await keyring.cipher(id) : null;
      if (!row || !cipher) return null;
      return {
        has: (channel: 'phone' | 'email'): boolean => Boolean(row[sealedColumn(channel)]),
        sealNote: (label: string, text: string): Buffer => cipher.seal(label, text),
      };
    },

    /**
     * One customer loaded for a reveal: the row read and the data key unwrapped once. `sealNote` seals a
     * note (a reason staff typed) under the customer's key; `open` gives the real values of some fields
     * beside the masked view. For the reveal path only, which must call `open` after its decision and its
     * durable ledger entry; never wired to a route on its own, and it records nothing itself. `open` checks
     * again that the customer still has a key: an erasure that landed since the load (its tombstone before the
     * reveal's entry) leaves no plaintext to hand out — CUSTOMER_NOT_FOUND.
     */
    async prepareReveal(id: string) {
      const { row, cipher } = await load(id);
      return {
        sealNote: (label: string, text: string): Buffer => cipher.seal(label, text),
        /** The masked view alone (what staff are shown anyway): for the watcher's flags, before the entry. */
        masked: () => maskedView(cipher, row),
        open: async (fields: readonly (FieldName | typeof ATTRIBUTES_FIELD)[]) => {
          if (!(await keyring.hasCustomerKey(id)))
            throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
          return { view: maskedView(cipher, row), values: openFields(cipher, row, fields) };
        },
      };
    },

    /** The real values of some fields (exports). Same rule: only after a decision and its durable entry. */
    async unsealFields(id: string, fields: readonly (FieldName | typeof ATTRIBUTES_FIELD)[]) {
      const { row, cipher } = await load(id);
      return openFields(cipher, row, fields);
    },

    /** Seal a note about a customer (a reason staff typed) under that customer's key. */
    async sealNote(id: string, label: string, text: string): Promise<Buffer> {
      const { cipher } = await load(id);
      return cipher.seal(label, text);
    },

    /**
     * Open a note sealed with `sealNote` under the same label: for the outbox, which seals what delivery
     * needs (an address, a token) and opens it only to send. SEALED_VALUE_INVALID if it was altered or moved.
     */
    async openNote(id: string, label: string, sealed: Buffer): Promise<string> {
      const { cipher } = await load(id);
      return cipher.open(label, sealed);
    },

    /**
     * The customer's whole record in plaintext, for the customer themself (privacy's my data), which ledgers
     * the self-access before calling it. CUSTOMER_NOT_FOUND when there is no such customer (or erased).
     */
    async ownRecord(id: string) {
      const { row, cipher } = await load(id);
      const values = openFields(cipher, row, [...fieldNames, ATTRIBUTES_FIELD]);
      const { attributes, ...fields } = values;
      return {
        id,
        version: row.version,
        fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Record<
          string,
          string
        >,
        attributes: (attributes ?? {}) as Record<string, string>,
        createdAt: new Date(row.created_at).toISOString(),
        updatedAt: new Date(row.updated_at).toISOString(),
      };
    },

    /**
     * Delete a customer's row — sealed fields, sealed masked view, blind indexes — in one transaction with
     * `alsoDelete` (their data key: the keyring's shredding). For erasure only, inside its ledgered act;
     * false when there was no row.
     */
    async deleteCustomer(
      id: string,
      alsoDelete: (trx: DatabaseTransaction) => Promise<void>,
    ): Promise<boolean> {
      requireId(id);
      return store.transaction(async (trx) => {
        const deleted = await store.deleteCustomer(id, trx);
        await alsoDelete(trx);
        return deleted;
      });
    },

    /** True when the customer exists and still has a key (not erased). Records nothing. */
    async exists(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      // The key row is enough: existence needs no unwrapping of the data key.
      return (await store.customerById(id)) !== undefined && (await keyring.hasCustomerKey(id));
    },

    async countCustomers(): Promise<number> {
      return store.countCustomers();
    },
  };
}

export type VaultService = ReturnType<typeof createVaultService>;
