/**
 * Honey records: synthetic customers that no real work ever touches, so any view, search hit or reveal of one
 * is a certain signal (the watcher scores it `honey_touch`: critical at once).
 *
 * Which customers are honey is known only through the keyring: each is stored as a keyed mark (an HMAC of its
 * id under the `honey_mark` key), so a database administrator reading the tables cannot tell them apart from
 * real customers, and cannot quietly avoid them. When a set is seeded, a commitment to it (SHA-256 over a
 * random salt and the sorted ids) is written to the ledger, so later evidence that a leaked record was honey —
 * shown by opening the commitment — holds up without having revealed the set beforehand.
 *
 * Invariant: a honey customer is created through the vault like any other (same fields, masks, indexes and
 * ledger entries); only the mark and the commitment differ, and neither names it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Keyring } from '../../crypto/keyring.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { HoneyStore } from './honey.store.ts';

/** The commitment to a set of ids under a salt: anyone given the salt and the ids can recompute it. */
export function honeyCommitment(salt: Buffer, customerIds: readonly string[]): Buffer {
  const hash = createHash('sha256').update(salt);
  for (const id of [...customerIds].sort()) hash.update(`${id}\n`);
  return hash.digest();
}

export function createHoney(deps: {
  store: HoneyStore;
  keyring: Pick<Keyring, 'blindIndex'>;
  vault: Pick<VaultService, 'createCustomer'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
}) {
  const { store, keyring, ledger, clock } = deps;
  const markOf = (customerId: string) => keyring.blindIndex('honey_mark', customerId).toString('hex');
  const marks = new Set<string>();

  return {
    /** Load the marks (at start; they change only when a set is seeded, through `seed`). */
    async load(): Promise<void> {
      for (const mark of await store.marks()) marks.add(mark.toString('hex'));
    },

    /** Is this customer a honey record? One HMAC and a set lookup. */
    isHoney(customerId: string): boolean {
      return marks.size > 0 && marks.has(markOf(customerId));
    },

    /**
     * Create up to `count` honey customers from these records (synthetic people, from a secret seed) and commit
     * to the set; a record that would duplicate an existing customer (an account ID taken) is skipped. Returns
     * the ids, for the caller that needs them once (a test, or sealed evidence); they are not kept.
     */
    async seed(
      records: Iterable<unknown> | AsyncIterable<unknown>,
      count = Number.POSITIVE_INFINITY,
    ): Promise<string[]> {
      const ids: string[] = [];
      for await (const record of records) {
        if (ids.length >= count) break;
        try {
          ids.push((await deps.vault.createCustomer(systemActor, record)).id);
        } catch (error) {
          if (!(error instanceof CustosError && error.code === 'DUPLICATE_CUSTOMER')) throw error;
        }
      }
      const salt = randomBytes(32);
      const commitment = {
        id: uuidv7(clock.now()),
        createdAt: clock.now(),
        count: ids.length,
        salt,
        commitment: honeyCommitment(salt, ids),
      };
      await ledger.append({
        type: 'honey.committed',
        actor: actorRef(systemActor),
        data: { setId: commitment.id, count: ids.length, commitment: commitment.commitment.toString('hex') },
      });
      await store.insertSet(
        ids.map((id) => Buffer.from(markOf(id), 'hex')),
        commitment,
      );
      for (const id of ids) marks.add(markOf(id));
      return ids;
    },

    get count(): number {
      return marks.size;
    },
  };
}

export type Honey = ReturnType<typeof createHoney>;
