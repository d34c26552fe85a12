/**
 * The mechanics of online master-key rotation: rewrap every data key and keyring secret under a new KEK,
 * without touching a single sealed field and without stopping servers. key-rotation.service.ts runs them
 * with the ledger written ahead; nothing else should call `runRotation`.
 *
 * Steps, each safe to interrupt; running the rotation again resumes where it stopped:
 * 1. If only one KEK version exists, add a new one (it becomes active) and wait a grace period, so that
 *    every running server (which re-reads the key file at most a second late) wraps under it from then on.
 *    If several exist, a rotation is in progress: resume it with the highest as the target.
 * 2. Rewrap, batch by batch, every wrapping not under the target (compare-and-set on the old version).
 * 3. When none is left, wait the grace period again and re-count, to catch a wrapping that a server began
 *    under the old version before it noticed; then retire the old versions from the key file.
 */
import { CustosError } from '../platform/errors.ts';
import type { KeyringStore } from './keyring.store.ts';
import { dekContext, secretContext } from './keyring.ts';
import type { RotatableKeys } from './master-keys.ts';

export interface RotationProgress {
  target: number;
  rewrapped: number;
  remaining: number;
}

/** What a rotation is about to do, known before it does anything. */
export interface RotationPlan {
  /** A rotation was already in progress (several versions held): it is resumed, no version is added. */
  resumed: boolean;
  /** The versions it moves every wrapping away from, and retires. */
  fromVersions: number[];
  /** The version every wrapping ends under. */
  toVersion: number;
}

export interface RotationRun {
  kek: RotatableKeys;
  store: Pick<
    KeyringStore,
    'keysNotUnder' | 'countKeysNotUnder' | 'rewrapCustomerKeys' | 'secrets' | 'rewrapSecret'
  >;
  batchSize?: number;
  /** How long to wait for other processes to pick up a key-file change; 2 s by default. */
  graceMs?: number;
  onProgress?: (progress: RotationProgress) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Read the key file afresh and say what a rotation would do now. Changes nothing. */
export function planRotation(kek: RotatableKeys): RotationPlan {
  kek.reload();
  const versions = kek.versions();
  const resumed = versions.length > 1;
  const toVersion = resumed ? kek.activeVersion() : kek.activeVersion() + 1;
  return { resumed, fromVersions: versions.filter((v) => v !== toVersion), toVersion };
}

/**
 * Carry out `plan` (from `planRotation`); returns how many data keys this run rewrapped. Refuses with
 * VERSION_CONFLICT, before rewrapping anything, if another rotation added a version since the plan.
 */
export async function runRotation(plan: RotationPlan, run: RotationRun): Promise<number> {
  const { kek, store } = run;
  const batchSize = run.batchSize ?? 1000;
  const graceMs = run.graceMs ?? 2000;
  const target = plan.toVersion;
  if (!plan.resumed) {
    const added = kek.addVersion();
    if (added !== target) {
      throw new CustosError(
        'VERSION_CONFLICT',
        `Another rotation added master key v${added} meanwhile: run the rotation again to resume it`,
      );
    }
    await sleep(graceMs);
  }

  let rewrapped = 0;
  const rewrapAll = async () => {
    for (;;) {
      const keys = await store.keysNotUnder(target, batchSize);
      if (keys.length === 0) break;
      const rewraps = keys.map((key) => {
        const context = dekContext(key.customerId, key.dekVersion);
        const dek = kek.unwrap(key.kekVersion, key.wrapped, context);
        const { wrapped } = kek.wrap(dek, context);
        dek.fill(0);
        return {
          customerId: key.customerId,
          fromKek: key.kekVersion,
          groupVersion: key.groupVersion,
          wrapped,
        };
      });
      rewrapped += await store.rewrapCustomerKeys(rewraps, target);
      run.onProgress?.({ target, rewrapped, remaining: await store.countKeysNotUnder(target) });
    }
    for (const secret of await store.secrets()) {
      if (secret.kekVersion === target) continue;
      const plain = kek.unwrap(secret.kekVersion, secret.wrapped, secretContext(secret.name));
      const { wrapped } = kek.wrap(plain, secretContext(secret.name));
      plain.fill(0);
      await store.rewrapSecret(secret.name, secret.kekVersion, target, wrapped);
    }
  };

  await rewrapAll();
  await sleep(graceMs);
  await rewrapAll();
  kek.retireBelow(target);
  return rewrapped;
}
