/**
 * Typed errors of the ledger's pure core. They carry a machine-readable `reason` so a caller (the verifier
 * CLI, the witness endpoint) can say *why* a proof or a note was refused; the service layer maps them to
 * `CustosError` codes. Messages name sizes and indices only, never entry contents.
 */

/** Why a Merkle proof could not be produced or was refused. */
export type LedgerProofReason =
  | 'invalid_size' // a size or index that is not a non-negative safe integer
  | 'index_out_of_range' // leaf index not below the tree size
  | 'size_order' // old tree larger than new tree
  | 'empty_old_tree' // consistency from a tree of size 0 (see verifyConsistency)
  | 'bad_hash_length' // a hash that is not 32 bytes
  | 'wrong_proof_length' // too few or too many proof hashes for the sizes
  | 'root_mismatch' // the proof does not lead to the given root(s)
  | 'node_unavailable' // the hash reader cannot supply a node the proof needs
  | 'reader_mismatch'; // the hash reader answered with the wrong number or size of hashes

/** A Merkle proof could not be generated, or failed verification. */
export class LedgerProofError extends Error {
  readonly reason: LedgerProofReason;

  constructor(reason: LedgerProofReason, message: string) {
    super(message);
    this.name = 'LedgerProofError';
    this.reason = reason;
  }
}

/** A signed note, key or checkpoint could not be written because a value breaks its format. */
export class NoteFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteFormatError';
  }
}
