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
   * Check `keys` against every version seen before, then remember them; throws KEYRING_MISMATCH (remembering
   * nothing) when one of them differs from the key that version named before.
   */
  admit(keys: ReadonlyMap<number, Buffer>): void;
}

/** @example const history = keyHistory(); history.admit(keysFromFile); history.admit(reReadKeys); */
export function keyHistory(): KeyHistory {
  const seen = new Map<number, Buffer>();
  return {
    admit(keys) {
      const prints = [...keys].map(([version, key]) => [version, fingerprint(key)] as const);
      for (const [version, print] of prints) {
        const known = seen.get(version);
        if (known && !timingSafeEqual(known, print)) {
          throw new CustosError(
            'KEYRING_MISMATCH',
            `Master key version ${version} is not the key this server holds: the key source was replaced`,
          );
        }
      }
      for (const [version, print] of prints) seen.set(version, print);
    },
  };
}
