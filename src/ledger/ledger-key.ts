/**
 * The ledger's checkpoint-signing key: Ed25519, kept like the master key — in a file of its own (mode 0600,
 * never in the database), created at initialisation. The signer-key string is in `<file>`; the public
 * verifier key (C2SP vkey) beside it in `<file>.pub`, which verifiers and witnesses are given. The file
 * belongs on another volume than the database (`CUSTOS_LEDGER_KEY_FILE`); or the key stays out of Custos
 * altogether behind an external signer (checkpoint-signer.ts, `externalLedgerKey`).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { CustosError } from '../platform/errors.ts';
import type { CheckpointSigner } from './checkpoint-signer.ts';
import { generateNoteKeys, type NoteVerifier, parseSignerKey, parseVerifierKey } from './note-keys.ts';

export interface LedgerKey {
  origin: string;
  signer: CheckpointSigner;
  verifier: NoteVerifier;
  /** The C2SP verifier-key string to publish. */
  vkey: string;
}

/** Create the key files for `origin` unless they exist; true if created. */
export function createLedgerKeyFile(path: string, origin: string): boolean {
  try {
    statSync(path);
    return false;
  } catch {
    const { signerKey, verifierKey } = generateNoteKeys(origin);
    writeFileSync(path, `${signerKey}\n`, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${path}.pub`, `${verifierKey}\n`, { mode: 0o644 });
    return true;
  }
}

export function loadLedgerKey(path: string, origin: string): LedgerKey {
  let skey: string;
  let vkey: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) {
      throw new CustosError(
        'LEDGER_UNAVAILABLE',
        `The ledger key file ${path} is readable by others: chmod 600 it`,
      );
    }
    skey = readFileSync(path, 'utf8').trim();
    vkey = readFileSync(`${path}.pub`, 'utf8').trim();
  } catch (cause) {
    if (cause instanceof CustosError) throw cause;
    throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger key cannot be read', { cause });
  }
  const signer = parseSignerKey(skey);
  const verifier = parseVerifierKey(vkey);
  if (!signer || !verifier || !signer.keyId.equals(verifier.keyId) || signer.name !== verifier.name) {
    throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger key files are malformed or do not match');
  }
  if (signer.name !== origin) {
    throw new CustosError(
      'CONFIG_INVALID',
      `The ledger key is for "${signer.name}", not the configured origin`,
    );
  }
  return { origin, signer, verifier, vkey };
}

/**
 * The ledger key of an external signer (an HSM, a KMS, a signing service) whose public key is `vkey`: the
 * private key never enters Custos. Throws CONFIG_INVALID unless the signer's name and key ID are those of
 * `vkey` and the name is the ledger's origin.
 */
export function externalLedgerKey(signer: CheckpointSigner, vkey: string, origin: string): LedgerKey {
  const verifier = parseVerifierKey(vkey.trim());
  if (!verifier || verifier.name !== signer.name || !verifier.keyId.equals(signer.keyId)) {
    throw new CustosError('CONFIG_INVALID', "The external signer's key does not match its verifier key");
  }
  if (signer.name !== origin) {
    throw new CustosError(
      'CONFIG_INVALID',
      `The ledger signer is for "${signer.name}", not the configured origin`,
    );
  }
  return { origin, signer, verifier, vkey: vkey.trim() };
}

/** A verifier from a published vkey string (for `custos verify --key`). */
export function verifierFromKey(vkey: string): NoteVerifier {
  const verifier = parseVerifierKey(vkey.trim());
  if (!verifier) throw new CustosError('VALIDATION_FAILED', 'Not a verifier key (name+id+base64)');
  return verifier;
}
