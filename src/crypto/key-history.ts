/**
 * What a process remembers of the master keys it has held: a SHA-256 fingerprint of every version, retired
 * ones included (never the keys themselves). A key source that is read again must agree with it.
 *
 * Invariant: a version number names one key for the life of the process. A rotation only adds versions and
 * retires old ones, so a re-read source that holds a known version with other bytes is a wrong or replaced
 * master key (KEYRING_MISMATCH), never adopted: what the process already held stays, and it refuses to serve
 * until the right key is back.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CustosError } from '../platform/errors.ts';

function fingerprint(key: Buffer): Buffer {
  return createHash('sha256').update('custos/kek-fingerprint/v1\0').update(key).digest();
}

export interface KeyHistory {
  /**
   * Throws KEYRING_MISMATCH when one of `keys` differs from the key its version named before; remembers
   * nothing.
   */
  check(keys: ReadonlyMap<number, Buffer>): void;
  /** Remember `keys` (after `check`): from now on their versions name them. */
  remember(keys: ReadonlyMap<number, Buffer>): void;
  /** `check`, then `remember`. */
  admit(keys: ReadonlyMap<number, Buffer>): void;
}

/** @example const history = keyHistory(); history.admit(keysFromFile); history.check(reReadKeys); */
export function keyHistory(): KeyHistory {
  const seen = new Map<number, Buffer>();
  const check = (keys: ReadonlyMap<number, Buffer>) => {
    for (const [version, key] of keys) {
      const known = seen.get(version);
      if (known && !timingSafeEqual(known, fingerprint(key))) {
        throw new CustosError(
          'KEYRING_MISMATCH',
          `Master key version ${version} is not the key this server holds: the key source was replaced`,
        );
      }
    }
  };
  const remember = (keys: ReadonlyMap<number, Buffer>) => {
    for (const [version, key] of keys) seen.set(version, fingerprint(key));
  };
  return {
    check,
    remember,
    admit(keys) {
      check(keys);
      remember(keys);
    },
  };
}
