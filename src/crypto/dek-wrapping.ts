/**
 * How a customer's data key (DEK) is wrapped: under their shred group's key (inner, shred-groups.ts), then
 * under the master key (outer, master-keys.ts). A key row without a group (`shredGroup: null`) is an older
 * installation's, wrapped under the master key alone, until it is grouped (shredding.ts).
 *
 * Why this order: master-key rotation (rotation.ts) moves the outer layer only and needs no group key; an
 * erasure moves the inner layer of one group's members. Both name the same context — the customer and the
 * DEK version — and the group's AAD also names the group and its version, so a wrapping cannot be moved to
 * another customer, group or version and still open.
 */
import { CustosError } from '../platform/errors.ts';
import type { WrappedDataKey } from './keyring.types.ts';
import type { KeyEncryptionKeys } from './master-keys.ts';
import type { ShredGroupKeys } from './shred-groups.ts';

export function dekContext(customerId: string, dekVersion: number): string {
  return `dek\0${customerId}\0${dekVersion}`;
}

export interface DataKeyWrapping {
  /** Wrap a plaintext DEK: in `group` (a new one assigned when absent) if groups are held, then the KEK. */
  wrap(
    customerId: string,
    dekVersion: number,
    dek: Buffer,
    createdAt: number,
    group?: number,
  ): WrappedDataKey;
  /** The plaintext DEK; throws KEYRING_UNAVAILABLE (a key gone: shredded, or not held) or SEALED_VALUE_INVALID. */
  unwrap(key: WrappedDataKey): Buffer;
  /** True when new wrappings get a shred group. */
  readonly grouped: boolean;
}

export function dataKeyWrapping(kek: KeyEncryptionKeys, groups?: ShredGroupKeys): DataKeyWrapping {
  return {
    grouped: groups !== undefined,
    wrap(customerId, dekVersion, dek, createdAt, group) {
      const context = dekContext(customerId, dekVersion);
      if (!groups) {
        const { kekVersion, wrapped } = kek.wrap(dek, context);
        return {
          customerId,
          dekVersion,
          kekVersion,
          wrapped,
          shredGroup: null,
          groupVersion: null,
          createdAt,
        };
      }
      const shredGroup = group ?? groups.assign();
      const inner = groups.wrap(shredGroup, dek, context);
      const { kekVersion, wrapped } = kek.wrap(inner.wrapped, context);
      return {
        customerId,
        dekVersion,
        kekVersion,
        wrapped,
        shredGroup,
        groupVersion: inner.groupVersion,
        createdAt,
      };
    },
    unwrap(key) {
      const context = dekContext(key.customerId, key.dekVersion);
      const outer = kek.unwrap(key.kekVersion, key.wrapped, context);
      if (key.shredGroup === null || key.groupVersion === null) return outer;
      if (!groups) {
        throw new CustosError('KEYRING_UNAVAILABLE', 'The shred-group keys are not available');
      }
      try {
        return groups.unwrap(key.shredGroup, key.groupVersion, outer, context);
      } finally {
        outer.fill(0);
      }
    },
  };
}
