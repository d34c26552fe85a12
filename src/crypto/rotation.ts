/**
 * Online master-key rotation: rewrap every data key and keyring secret under a new KEK, without touching a
 * single sealed field and without stopping servers.
 *
 * Steps, each safe to interrupt; running the rotation again resumes where it stopped:
 * 1. If only one KEK version exists, add a new one (it becomes active) and wait a grace period, so that
 *    every running server (which re-reads the key file at most a second late) wraps under it from then on.
 *    If several exist, a rotation is in progress: resume it with the highest as the target.
 * 2. Rewrap, batch by batch, every wrapping not under the target (compare-and-set on the old version).
 * 3. When none is left, wait the grace period again and re-count, to catch a wrapping that a server began
 *    under the old version before it noticed; then retire the old versions from the key file.
 */

import type { Kysely } from 'kysely';
import type { Database } from '../platform/database/schema.ts';
import type { KeyringStore } from './keyring.store.ts';
import { dekContext, secretContext } from './keyring.ts';
import type { RotatableKeys } from './master-keys.ts';

export interface RotationProgress {
  target: number;
  rewrapped: number;
  remaining: number;
}

export interface RotationDeps {
  db: Kysely<Database>;
  kek: RotatableKeys;
  store: KeyringStore;
  batchSize?: number;
  /** How long to wait for other processes to pick up a key-file change; 2 s by default. */
  graceMs?: number;
  onProgress?: (progress: RotationProgress) => void;
}

export interface RotationResult {
  resumed: boolean;
  fromVersions: number[];
  toVersion: number;
  rewrapped: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function rotateMasterKey(deps: RotationDeps): Promise<RotationResult> {
  const { db, kek, store } = deps;
  const batchSize = deps.batchSize ?? 1000;
  const graceMs = deps.graceMs ?? 2000;
  kek.reload();
  const resumed = kek.versions().length > 1;
  const target = resumed ? kek.activeVersion() : kek.addVersion();
  const fromVersions = kek.versions().filter((v) => v !== target);
  if (!resumed) await sleep(graceMs);

  let rewrapped = 0;
  const rewrapAll = async () => {
    for (;;) {
      const rows = await store.keysNotUnder(target, batchSize);
      if (rows.length === 0) break;
      await db.transaction().execute(async (trx) => {
        for (const row of rows) {
          const context = dekContext(row.customer_id, row.dek_version);
          const dek = kek.unwrap(row.kek_version, row.wrapped, context);
          const { wrapped } = kek.wrap(dek, context);
          dek.fill(0);
          if (await store.rewrapCustomerKey(row.customer_id, row.kek_version, target, wrapped, trx))
            rewrapped++;
        }
      });
      deps.onProgress?.({ target, rewrapped, remaining: await store.countKeysNotUnder(target) });
    }
    for (const secret of await store.secrets()) {
      if (secret.kek_version === target) continue;
      const plain = kek.unwrap(secret.kek_version, secret.wrapped, secretContext(secret.name));
      const { wrapped } = kek.wrap(plain, secretContext(secret.name));
      plain.fill(0);
      await store.rewrapSecret(secret.name, secret.kek_version, target, wrapped);
    }
  };

  await rewrapAll();
  await sleep(graceMs);
  await rewrapAll();
  kek.retireBelow(target);
  return { resumed, fromVersions, toVersion: target, rewrapped };
}
