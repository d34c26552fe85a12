/**
 * The one Kysely `Database` interface: every table Custos stores, for both dialects.
 *
 * Timestamps are epoch milliseconds (bigint in PostgreSQL, integer in SQLite); binary values are Buffers
 * (bytea / blob). Only `*.store.ts` files use these types to touch SQL.
 */
export interface CustomersTable {
  id: string;
  /** Optimistic-concurrency counter, bumped on every update. */
  version: number;
  /** Sealed fields: AES-256-GCM under the customer's data key; null when the field is empty. */
  name_sealed: Buffer | null;
  phone_sealed: Buffer | null;
  email_sealed: Buffer | null;
  account_id_sealed: Buffer | null;
  national_id_sealed: Buffer | null;
  address_sealed: Buffer | null;
  birth_date_sealed: Buffer | null;
  attributes_sealed: Buffer | null;
  /** The masked view, sealed too: showing it never decrypts a real field. */
  masked_sealed: Buffer;
  /** Blind indexes (truncated HMAC-SHA-256 of the normalised value) for exact-match search. */
  phone_bidx: Buffer | null;
  email_bidx: Buffer | null;
  account_id_bidx: Buffer | null;
  national_id_bidx: Buffer | null;
  created_at: number;
  updated_at: number;
}

export interface CustomerKeysTable {
  customer_id: string;
  /** Version of the data key itself (bound into every field's AAD). */
  dek_version: number;
  /** Version of the master key (KEK) that wraps it. */
  kek_version: number;
  wrapped: Buffer;
  created_at: number;
}

export interface KeyringSecretsTable {
  name: string;
  kek_version: number;
  wrapped: Buffer;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  label: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: Buffer;
  created_at: number;
  revoked_at: number | null;
}

export interface StaffTable {
  id: string;
  display_name: string;
  email: string;
  role: string;
  region: string;
  site: string;
  manager_id: string | null;
  shift: string;
  status: string;
  created_at: number;
}

export interface LedgerEntriesTable {
  /** Position in the log: leaf index of the Merkle tree. */
  idx: number;
  at: number;
  type: string;
  actor: string;
  /** The customer (or other subject) the entry is about, for "who accessed my data" lookups. */
  subject: string | null;
  /** Canonical entry bytes; null once redacted by retention (the leaf hash stays in the tiles). */
  entry: Buffer | null;
  redacted_at: number | null;
}

export interface LedgerTilesTable {
  /** Tile level L: holds hashes of tree level 8·L. */
  level: number;
  idx: number;
  /** Concatenated 32-byte hashes, 1 to 256 of them. */
  hashes: Buffer;
}

export interface LedgerCheckpointsTable {
  size: number;
  root: Buffer;
  /** The signed checkpoint note, with any witness cosignatures. */
  note: string;
  created_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  customers: CustomersTable;
  customer_keys: CustomerKeysTable;
  keyring_secrets: KeyringSecretsTable;
  api_tokens: ApiTokensTable;
  staff: StaffTable;
  meta: MetaTable;
  ledger_entries: LedgerEntriesTable;
  ledger_tiles: LedgerTilesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
}
