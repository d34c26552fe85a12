/**
 * The rows a group commit writes: its entries and the tiles they change, with the log size they were built
 * on. Sealing makes them (batch-seal.ts), storage writes them (ledger.store.ts).
 */

/**
 * An entry as the sequencer writes it: its leaf index, when, the columns lookups use, its canonical bytes,
 * and its leaf format. In a v2 leaf `at`, `type`, `actor`, `subject` and `payloadHash` are the header the
 * tree commits to (entry-leaf.ts), so the lookup columns are checked by `verify`, redacted or not.
 */
export interface NewLedgerEntry {
  index: number;
  at: number;
  type: string;
  actor: string;
  /** The customer (or other subject) the entry is about, for "who accessed my data" lookups. */
  subject: string | null;
  entry: Buffer;
  leafVersion: number;
  /** v2 and v3: SHA-256 of the canonical payload; null for v1. */
  payloadHash: Buffer | null;
  /** v3: the previous entry about the same subject; null when none (and before v3). */
  prev: number | null;
}

/** A tile: at level L, `hashes` holds 1 to 256 concatenated 32-byte hashes of tree level 8·L. */
export interface StoredTile {
  level: number;
  index: number;
  hashes: Buffer;
}

export interface LedgerBatch {
  /** The log size the batch was built on; the write is refused if the log has moved since. */
  expectedSize: number;
  entries: NewLedgerEntry[];
  tiles: StoredTile[];
}
