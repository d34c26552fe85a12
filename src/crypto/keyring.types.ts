/**
 * What the keyring stores, in its own words: customers' data keys and the installation's secrets, each
 * wrapped under a master key (KEK) version. keyring.store.ts maps them to and from their rows; outside
 * crypto/ a `WrappedDataKey` is opaque — made by the keyring, handed back to it to be stored.
 */

/** A customer's data key (DEK), wrapped under a master key. */
export interface WrappedDataKey {
  customerId: string;
  /** Version of the data key itself (bound into every field's AAD). */
  dekVersion: number;
  /** Version of the master key (KEK) that wraps it. */
  kekVersion: number;
  /**
   * The customer's shred group and its key version (inner layer, dek-wrapping.ts); null on a key not yet
   * grouped (an older installation's, wrapped under the master key alone).
   */
  shredGroup: number | null;
  groupVersion: number | null;
  wrapped: Buffer;
  createdAt: number;
}

/** An installation secret (blind-index root, identity key), wrapped under a master key. */
export interface WrappedSecret {
  name: string;
  kekVersion: number;
  wrapped: Buffer;
  createdAt: number;
}

/** One data key moved from one master key to another: its new wrapping, set only if still under `fromKek`. */
export interface Rewrap {
  customerId: string;
  fromKek: number;
  /** The group version it was read under: an erasure that re-keyed the group meanwhile wins. */
  groupVersion: number | null;
  wrapped: Buffer;
}

/** One data key moved to a new version of its shred group (outer master-key version may move too). */
export interface Regroup {
  customerId: string;
  fromKek: number;
  fromGroupVersion: number | null;
  kekVersion: number;
  shredGroup: number;
  groupVersion: number;
  wrapped: Buffer;
}

/** A shred group whose key must get a new version and lose `fromVersion` (an erasure in it). */
export interface PendingRekey {
  shredGroup: number;
  fromVersion: number;
}
