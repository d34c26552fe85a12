/**
 * The keyring: per-customer data keys (DEKs) wrapped by the master key, field sealing bound to its place,
 * and the blind indexer.
 *
 * Invariant: a sealed field opens only under the data key of the customer it was sealed for, only as the
 * field it was sealed as, and only with the key version it names. The AAD is
 * `custos/field/v1 ‖ customer id ‖ field ‖ DEK version`, and the header (format byte, DEK version) is
 * authenticated too. A data key is wrapped under its customer's shred-group key and then the master key
 * (dek-wrapping.ts). Deleting the key row alone would leave it in every backup, still opened by the master
 * key; erasure (shredding.ts) also replaces the group's key version, which exists only in the group key
 * file, so that backups taken before hold the data key under a key that no longer exists.
 *
 * Fails closed with the master key: every use of a key — unwrapping a data key, and the installation secrets
 * unwrapped at load — first asks the master keys whether their source is still there and unchanged
 * (`assertAvailable`, at most a second stale), so a master key moved away or replaced stops every
 * plaintext-releasing act with 503 KEYRING_UNAVAILABLE or KEYRING_MISMATCH, not only `/readyz`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../platform/clock.ts';
import type { DatabaseTransaction } from '../platform/database/database.ts';
import { CustosError, isCustosError } from '../platform/errors.ts';
import { KEY_BYTES, open, seal } from './aead.ts';
import { type BlindIndexer, createBlindIndexer, type DigestKind } from './blind-index.ts';
import { dataKeyWrapping, dekContext } from './dek-wrapping.ts';
import type { KeyringStore } from './keyring.store.ts';
import type { WrappedDataKey } from './keyring.types.ts';
import type { KeyEncryptionKeys } from './master-keys.ts';
import { secureRandom } from './random.ts';
import type { ShredGroupKeys } from './shred-groups.ts';

export type { WrappedDataKey };

const FIELD_FORMAT = 1;
const HEADER_BYTES = 5;
/** The version new data keys get; bound into every field's AAD so that a later DEK rotation can tell them apart. */
export const DEK_VERSION = 1;
export const BLIND_INDEX_SECRET = 'blind-index-root';
/** Seals account secrets (TOTP shared secrets): a key of its own, so no customer key is ever involved. */
export const IDENTITY_SECRET = 'identity-secrets';
const INSTALLATION_SECRETS = [BLIND_INDEX_SECRET, IDENTITY_SECRET];

export { dekContext };

export function secretContext(name: string): string {
  return `secret\0${name}`;
}

function fieldAad(customerId: string, field: string, dekVersion: number): Buffer {
  return Buffer.from(`custos/field/v1\0${customerId}\0${field}\0${dekVersion}`);
}

/** Seals and opens the fields of one customer. Holds the plaintext data key: keep it short-lived. */
export interface CustomerCipher {
  readonly customerId: string;
  seal(field: string, plaintext: string): Buffer;
  /** Throws SEALED_VALUE_INVALID if the value was altered, or moved from another customer or field. */
  open(field: string, sealed: Buffer): string;
}

/** The cipher over a plaintext data key; built by the keyring, and by import sealing workers. */
export function customerCipher(customerId: string, dek: Buffer, dekVersion: number): CustomerCipher {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FIELD_FORMAT, 0);
  header.writeUInt32BE(dekVersion, 1);
  return {
    customerId,
    seal: (field, plaintext) =>
      seal(dek, Buffer.from(plaintext, 'utf8'), fieldAad(customerId, field, dekVersion), header),
    open(field, sealed) {
      const format = sealed.length > HEADER_BYTES ? sealed.readUInt8(0) : -1;
      const version = sealed.length > HEADER_BYTES ? sealed.readUInt32BE(1) : -1;
      const plain =
        format === FIELD_FORMAT
          ? open(dek, sealed, fieldAad(customerId, field, version), HEADER_BYTES)
          : null;
      if (!plain) throw new CustosError('SEALED_VALUE_INVALID', 'A sealed field failed authentication');
      return plain.toString('utf8');
    },
  };
}

export interface KeyringDeps {
  kek: KeyEncryptionKeys;
  /** The shred-group keys; without them new keys are wrapped under the master key alone (older installations). */
  groups?: ShredGroupKeys;
  store: Pick<KeyringStore, 'customerKey' | 'insertCustomerKeys' | 'secret' | 'insertSecret'>;
  clock: Clock;
}

export function createKeyring({ kek, groups, store, clock }: KeyringDeps) {
  const wrapping = dataKeyWrapping(kek, groups);
  let indexer: BlindIndexer | undefined;
  let indexRoot: Buffer | undefined;
  let identityKey: Buffer | undefined;

  async function unwrapSecret(name: string): Promise<Buffer> {
    const row = await store.secret(name);
    if (!row) {
      throw new CustosError('KEYRING_UNAVAILABLE', 'The keyring is not initialised (run custos init)');
    }
    try {
      return kek.unwrap(row.kekVersion, row.wrapped, secretContext(name));
    } catch (error) {
      // The installation's own secrets do not open: the master key is not this installation's.
      if (!isCustosError(error, 'SEALED_VALUE_INVALID')) throw error;
      throw new CustosError(
        'KEYRING_MISMATCH',
        "The master key does not open this installation's keyring: wrong or replaced master key",
        { cause: error },
      );
    }
  }

  /** A secret unwrapped at load, once the master keys confirm their source is still sound. */
  function loaded<T>(value: T | undefined): T {
    if (value === undefined) throw new CustosError('KEYRING_UNAVAILABLE', 'The keyring is not loaded');
    kek.assertAvailable();
    return value;
  }

  async function loadIndexer(): Promise<void> {
    indexRoot = await unwrapSecret(BLIND_INDEX_SECRET);
    indexer = createBlindIndexer(indexRoot);
    identityKey = await unwrapSecret(IDENTITY_SECRET);
  }

  // Keys sharing no version with those held (a rotation finished while this process was idle) are this
  // installation's only if they open its blind-index root, the very one held in memory.
  kek.setConfirmation(async (unwrapWith) => {
    const row = await store.secret(BLIND_INDEX_SECRET);
    if (!row || !indexRoot) return false;
    try {
      const root = unwrapWith(row.kekVersion, row.wrapped, secretContext(BLIND_INDEX_SECRET));
      return root.length === indexRoot.length && timingSafeEqual(root, indexRoot);
    } catch {
      return false;
    }
  });

  function identityAad(accountId: string, kind: string): Buffer {
    return Buffer.from(`custos/identity/v1\0${accountId}\0${kind}`);
  }

  function wrapDataKey(customerId: string, dek: Buffer): WrappedDataKey {
    return wrapping.wrap(customerId, DEK_VERSION, dek, clock.now());
  }

  function cipherFor(key: WrappedDataKey): CustomerCipher {
    return customerCipher(key.customerId, wrapping.unwrap(key), key.dekVersion);
  }

  return {
    /** Create the installation's secrets if missing; idempotent. */
    async initialise(): Promise<void> {
      for (const name of INSTALLATION_SECRETS) {
        if (await store.secret(name)) continue;
        const secret = secureRandom(KEY_BYTES);
        const { kekVersion, wrapped } = kek.wrap(secret, secretContext(name));
        secret.fill(0);
        await store.insertSecret({ name, kekVersion, wrapped, createdAt: clock.now() });
      }
    },

    /** Seal an account secret (e.g. a TOTP shared secret), bound to the account and its kind. */
    sealAccountSecret(accountId: string, kind: string, secret: Buffer): Buffer {
      return seal(loaded(identityKey), secret, identityAad(accountId, kind));
    },

    /** Open an account secret; throws SEALED_VALUE_INVALID if it was altered or moved. */
    openAccountSecret(accountId: string, kind: string, sealed: Buffer): Buffer {
      const plain = open(loaded(identityKey), sealed, identityAad(accountId, kind));
      if (!plain) throw new CustosError('SEALED_VALUE_INVALID', 'An account secret failed authentication');
      return plain;
    },

    /**
     * Unwrap what must be in memory to serve; throws KEYRING_UNAVAILABLE, or KEYRING_MISMATCH when the master
     * key is not this installation's. /readyz calls it too, so a master key that went missing or stopped
     * matching turns the node unready.
     */
    async load(): Promise<void> {
      kek.check();
      groups?.check();
      await loadIndexer();
    },

    /**
     * A new data key for a customer: its cipher, and the wrapped key to store with `saveCustomerKeys` in the
     * same transaction as the customer's sealed fields.
     */
    newCustomerKey(customerId: string): { cipher: CustomerCipher; key: WrappedDataKey } {
      const dek = secureRandom(KEY_BYTES);
      return { cipher: customerCipher(customerId, dek, DEK_VERSION), key: wrapDataKey(customerId, dek) };
    },

    /** The wrapped key for a data key made elsewhere in this process (an import sealing worker). */
    wrapDataKey,

    /**
     * Store wrapped data keys made by `newCustomerKey` or `wrapDataKey`, inside the caller's transaction
     * (so a customer's key and sealed row commit together, or neither does).
     */
    async saveCustomerKeys(keys: readonly WrappedDataKey[], trx?: DatabaseTransaction): Promise<void> {
      await store.insertCustomerKeys(keys, trx);
    },

    /** True when the customer has a data key (was created and not shredded); unwraps nothing. */
    async hasCustomerKey(customerId: string): Promise<boolean> {
      return (await store.customerKey(customerId)) !== undefined;
    },

    /** The cipher for a wrapped key; throws KEYRING_UNAVAILABLE or SEALED_VALUE_INVALID. */
    cipherFor,

    /** The cipher of a customer; null when they have no key (never existed, or shredded). */
    async cipher(customerId: string): Promise<CustomerCipher | null> {
      const key = await store.customerKey(customerId);
      return key ? cipherFor(key) : null;
    },

    blindIndex(kind: DigestKind, normalised: string): Buffer {
      return loaded(indexer)(kind, normalised);
    },

    /**
     * The blind-index root secret, for import sealing workers in this same process. It never leaves the
     * process and is never written anywhere unwrapped.
     */
    blindIndexRoot(): Buffer {
      return loaded(indexRoot);
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
