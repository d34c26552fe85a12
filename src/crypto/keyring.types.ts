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
  wrapped: Buffer;
}
