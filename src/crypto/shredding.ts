/**
 * Crypto-shredding that also defeats copies of the database taken before: destroying a customer's data key
 * and replacing their shred group's key (shred-groups.ts, docs/ERASURE.md).
 *
 * Steps, each durable before the next, each safe to interrupt (`finishPending` at start completes them):
 * 1. In the erasure's own transaction: the customer's key row is deleted and a to-do names their group and
 *    the group-key version their key was wrapped under (`shred_rekeys`).
 * 2. A new version of the group's key is added to the key file (fsynced; both versions present).
 * 3. After a grace period (other processes re-read the file at most a second late, so from then on every
 *    new wrapping in the group uses the new version), every other member of the group is re-wrapped under
 *    the new version, in one transaction, each only if its wrapping is still the one read (compare-and-set);
 *    after a second grace period the group is re-counted, to catch a key wrapped under the old version by a
 *    process that had not yet noticed.
 * 4. The old version is deleted from the key file (fsynced), then the to-do.
 * After step 4 the erased customer's data key exists only in old copies of the database, wrapped under a
 * group-key version that no copy of the current key file holds.
 *
 * Cost of one erasure: the group's members (about n / 1,024) unwrapped and re-wrapped — four AES-GCM
 * operations on 60-byte values each and one row update — plus two rewrites of the key file, and twice the
 * grace period. Measured (bench/shredding.bench.ts, SQLite, grace 0) for 1,000,000 customers in 1,024 groups,
 * i.e. ~977 members per group: a median 92 ms per erasure (docs/ERASURE.md).
 */
import type { Clock } from '../platform/clock.ts';
import type { DatabaseTransaction } from '../platform/database/database.ts';
import { createKeyedQueue } from '../platform/keyed-queue.ts';
import { dataKeyWrapping } from './dek-wrapping.ts';
import type { KeyringStore } from './keyring.store.ts';
import type { PendingRekey, Regroup, WrappedDataKey } from './keyring.types.ts';
import type { KeyEncryptionKeys } from './master-keys.ts';
import type { ShredGroupKeys } from './shred-groups.ts';

export interface ShreddingDeps {
  kek: KeyEncryptionKeys;
  groups: ShredGroupKeys;
  store: Pick<
    KeyringStore,
    | 'transaction'
    | 'keysInGroupBelow'
    | 'ungroupedKeys'
    | 'regroupCustomerKeys'
    | 'deleteCustomerKey'
    | 'insertRekey'
    | 'pendingRekeys'
    | 'deleteRekeys'
  >;
  clock: Clock;
  /** How long other processes get to notice a key-file change (steps 3 and 4); 1.5 s by default. */
  graceMs?: number;
}

const BATCH = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createShredding(deps: ShreddingDeps) {
  const { groups, store } = deps;
  const wrapping = dataKeyWrapping(deps.kek, groups);
  const graceMs = deps.graceMs ?? 1500;
  const serially = createKeyedQueue();

  /** The same data key, wrapped anew in `group` under its current version (and the active master key). */
  function regroup(key: WrappedDataKey, group: number): Regroup {
    const dek = wrapping.unwrap(key);
    try {
      const moved = wrapping.wrap(key.customerId, key.dekVersion, dek, key.createdAt, group);
      return {
        customerId: key.customerId,
        fromKek: key.kekVersion,
        fromGroupVersion: key.groupVersion,
        kekVersion: moved.kekVersion,
        shredGroup: group,
        groupVersion: moved.groupVersion as number,
        wrapped: moved.wrapped,
      };
    } finally {
      dek.fill(0);
    }
  }

  /** Step 3: move every member still below `to`, one transaction a pass, until none is left. */
  async function moveGroup(group: number, to: number): Promise<number> {
    let moved = 0;
    for (;;) {
      const pass = await store.transaction(async (trx) => {
        const keys = await store.keysInGroupBelow(group, to, trx);
        if (keys.length === 0) return -1;
        return store.regroupCustomerKeys(
          keys.map((key) => regroup(key, group)),
          trx,
        );
      });
      if (pass < 0) return moved;
      moved += pass;
    }
  }

  /** Steps 2–4 for one group; returns how many other members were re-wrapped. */
  function rekey(pending: PendingRekey): Promise<number> {
    const group = pending.shredGroup;
    return serially(String(group), async () => {
      let to = groups.currentVersion(group);
      if (to <= pending.fromVersion) {
        to = groups.addVersion(group);
        await sleep(graceMs);
      }
      let moved = await moveGroup(group, to);
      await sleep(graceMs);
      moved += await moveGroup(group, to);
      groups.dropBelow(group, to);
      await store.deleteRekeys(group, to);
      return moved;
    });
  }

  return {
    /**
     * Step 1, inside the caller's transaction: delete the customer's key row and record their group's
     * re-key. Returns the to-do to hand to `rekey` once the transaction committed (null: no key, or a key
     * never grouped — see `groupLegacyKeys`).
     */
    async destroyCustomerKey(customerId: string, trx: DatabaseTransaction): Promise<PendingRekey | null> {
      const key = await store.deleteCustomerKey(customerId, trx);
      if (!key || key.shredGroup === null || key.groupVersion === null) return null;
      const pending = { shredGroup: key.shredGroup, fromVersion: key.groupVersion };
      await store.insertRekey(pending, deps.clock.now(), trx);
      return pending;
    },

    rekey,

    /**
     * At start: finish every re-key an interrupted erasure left (a to-do in the database, or a group whose
     * file holds two versions). Returns how many groups were finished.
     */
    async finishPending(): Promise<number> {
      const todo = new Map<number, number>();
      for (const p of await store.pendingRekeys()) {
        todo.set(p.shredGroup, Math.min(todo.get(p.shredGroup) ?? p.fromVersion, p.fromVersion));
      }
      for (const group of groups.groupsInRekey()) {
        if (!todo.has(group)) todo.set(group, groups.versions(group)[0] as number);
      }
      for (const [shredGroup, fromVersion] of todo) await rekey({ shredGroup, fromVersion });
      return todo.size;
    },

    /**
     * Put every key made before shred groups existed into a group; returns how many. Copies of the database
     * taken before still hold those keys under the master key alone: only a master-key rotation afterwards
     * (which retires the version they are under) makes them unreadable; wire.ts runs one.
     */
    async groupLegacyKeys(): Promise<number> {
      let grouped = 0;
      for (;;) {
        const keys = await store.ungroupedKeys(BATCH);
        if (keys.length === 0) return grouped;
        const regroups = keys.map((key) => regroup(key, groups.assign()));
        grouped += await store.transaction((trx) => store.regroupCustomerKeys(regroups, trx));
      }
    },
  };
}

export type Shredding = ReturnType<typeof createShredding>;
