/**
 * Who signs the ledger's checkpoints. Whoever holds the signing key can sign a second, rewritten history, so
 * the key should not sit where the database does: either a key file on another volume
 * (`CUSTOS_LEDGER_KEY_FILE`, ledger-key.ts) or an external signer — an HSM, a cloud KMS, a signing service —
 * behind this interface, so that Custos never holds the private key at all.
 *
 * The contract an external signer implements: Ed25519 (C2SP signed-note type 0x01) over the exact bytes it
 * is given (the checkpoint's note text), under the key whose verifier key is `vkey`, named after the
 * ledger's origin. Custos checks every signature it gets back against `vkey` before it publishes anything;
 * a signer that fails or answers wrongly makes checkpointing fail (LEDGER_UNAVAILABLE), never publish
 * unsigned. A signer is best run as a small service that itself refuses to sign a checkpoint inconsistent
 * with the last one it signed (what a witness checks, see witness/): then even the database's operator
 * and Custos's own host cannot get a fork signed.
 */
import { formatCheckpoint, type Checkpoint } from './checkpoint.ts';
import { HASH_SIZE } from './merkle-hash.ts';
import type { NoteVerifier } from './note-keys.ts';
import { formatNote } from './signed-note.ts';
import { CustosError } from '../platform/errors.ts';
import { NoteFormatError } from './ledger-errors.ts';

/** Signs note texts under the ledger's key; `sign` may be synchronous (a key in memory) or not (an HSM). */
export interface CheckpointSigner {
  /** The key name: the ledger's origin. */
  readonly name: string;
  /** The 4-byte C2SP key ID of the key. */
  readonly keyId: Buffer;
  /** The Ed25519 signature of `message`, without the key ID. */
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * Signs `checkpoint` with `signer` and returns the signed note, after checking the signature under
 * `verifier`. Throws LEDGER_UNAVAILABLE if the signer fails or its signature does not verify.
 */
export async function signCheckpointWith(
  checkpoint: Checkpoint,
  signer: CheckpointSigner,
  verifier: NoteVerifier,
): Promise<string> {
  if (checkpoint.rootHash.length !== HASH_SIZE) throw new NoteFormatError('Root hash must be 32 bytes');
  const text = formatCheckpoint(checkpoint);
  const message = Buffer.from(text, 'utf8');
  let signature: Buffer;
  try {
    signature = Buffer.from(await signer.sign(message));
  } catch (cause) {
    throw new CustosError('LEDGER_UNAVAILABLE', 'The checkpoint signer did not sign', { cause });
  }
  if (!verifier.verify(message, signature)) {
    throw new CustosError(
      'LEDGER_UNAVAILABLE',
      "The checkpoint signer's signature does not verify under the ledger's public key",
    );
  }
  return formatNote({ text, signatures: [{ name: signer.name, keyId: signer.keyId, signature }] });
}
