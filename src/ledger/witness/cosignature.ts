/**
 * C2SP tlog-cosignature v1 with Ed25519 (c2sp.org/tlog-cosignature, signature type 0x04): what a witness
 * signs and how anyone checks it. A cosignature is a note signature line whose bytes are
 * `key ID (4) || timestamp (8, big-endian POSIX seconds) || Ed25519 signature (64)`, the signature being over
 * `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint body. It states that, at that time, this
 * was the largest consistent tree the witness had seen for the origin.
 *
 * Cosigners and their verifiers are plain `NoteSigner`s / `NoteVerifier`s, so `signNote` makes cosignature
 * lines and `openNote` checks them; the key ID (type byte 0x04) keeps them apart from ordinary signatures
 * by the same key. The Ed25519 message does not commit to the cosigner's name: one key, one name.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { NoteFormatError } from '../ledger-errors.ts';
import {
  ed25519Verifier,
  isValidKeyName,
  type NoteSigner,
  type NoteVerifier,
  noteKeyId,
  parseSignerKey,
} from '../note-keys.ts';
import { formatNote, type NoteSignature, openNote, parseNote } from '../signed-note.ts';
import { decodeStrictBase64 } from '../strict-base64.ts';

/** Signature type byte of Ed25519 cosignature/v1 keys (key IDs and vkeys). */
export const COSIGNATURE_V1_TYPE = 0x04;

/** Bytes of a cosignature after the key ID: 8-byte timestamp and 64-byte Ed25519 signature. */
export const COSIGNATURE_V1_BYTES = 8 + 64;

/** Largest timestamp a cosignature may carry (the spec caps it at 2^63 − 1). */
const MAX_TIMESTAMP = (1n << 63n) - 1n;
const ED25519_KEY_BYTES = 32;
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
// DER header that wraps a raw 32-byte Ed25519 seed as PKCS #8 (RFC 8410); the public key is the SPKI tail.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A `NoteSigner` that makes cosignature/v1 signatures; `publicKey` and `vkey` are what verifiers need. */
export interface Cosigner extends NoteSigner {
  readonly publicKey: Buffer;
  /** The cosigner's verifier key: `<name>+<hex key ID>+base64(0x04 || public key)`. */
  readonly vkey: string;
}

/** The 4-byte key ID of an Ed25519 cosigner: SHA-256(name || 0x0A || 0x04 || public key)[:4]. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): Buffer {
  return noteKeyId(name, COSIGNATURE_V1_TYPE, publicKey);
}

/**
 * The exact bytes a cosigner signs: `cosignature/v1\ntime <timestamp>\n` then the checkpoint body (the note
 * text, ending in its newline, without signature lines).
 *
 * @example cosignedMessage(1679315147, 'example.com/behind-the-sofa\n20852163\nCsUY…q2I=\n')
 */
export function cosignedMessage(timestamp: number | bigint, checkpointBody: string | Uint8Array): Buffer {
  const body = typeof checkpointBody === 'string' ? Buffer.from(checkpointBody, 'utf8') : checkpointBody;
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${BigInt(timestamp)}\n`, 'utf8'), body]);
}

/**
 * A cosigner from a C2SP signer key. The key is kept as an ordinary Ed25519 note key (`PRIVATE+KEY+…`, type
 * 0x01, as `generateNoteKeys` writes it) and used for cosignatures only: the cosigner's key ID and vkey use
 * type 0x04. Timestamps come from `clock`, in whole seconds. Returns null for a malformed signer key.
 */
export function cosignerFromSignerKey(skey: string, clock: Clock): Cosigner | null {
  const signer = parseSignerKey(skey);
  if (signer === null) return null;
  // `PRIVATE+KEY+<name>+<8 hex>+<base64>`; the base64 part may itself contain '+'.
  const typedSeed = decodeStrictBase64(skey.slice(SIGNER_KEY_PREFIX.length + signer.name.length + 10));
  if (typedSeed === null || typedSeed.length !== 1 + ED25519_KEY_BYTES) return null;
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, typedSeed.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - ED25519_KEY_BYTES));
  const { name } = signer;
  return {
    name,
    keyId: cosignatureKeyId(name, publicKey),
    publicKey,
    vkey: formatCosignerKey(name, publicKey),
    sign(message) {
      const timestamp = BigInt(Math.floor(clock.now() / 1000));
      const stamp = Buffer.alloc(8);
      stamp.writeBigUInt64BE(timestamp);
      return Buffer.concat([stamp, signer.sign(cosignedMessage(timestamp, message))]);
    },
  };
}

/**
 * A verifier of cosignature/v1 signatures by the Ed25519 key `publicKey` named `name`. Usable wherever a
 * `NoteVerifier` is: `openNote(cosignedCheckpoint, [witness])`. Refuses signatures of the wrong length and
 * timestamps above 2^63 − 1. Throws `NoteFormatError` for an invalid name or key.
 */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const ed25519 = ed25519Verifier(name, publicKey);
  return {
    name,
    keyId: cosignatureKeyId(name, publicKey),
    verify(message, signature) {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === null) return false;
      return ed25519.verify(cosignedMessage(timestamp, message), signature.subarray(8));
    },
  };
}

/** The timestamp (POSIX seconds) of a cosignature's bytes after the key ID, or null if malformed. */
export function cosignatureTimestamp(signature: Uint8Array): bigint | null {
  if (signature.length !== COSIGNATURE_V1_BYTES) return null;
  const timestamp = Buffer.from(signature.buffer, signature.byteOffset, 8).readBigUInt64BE(0);
  return timestamp <= MAX_TIMESTAMP ? timestamp : null;
}

/**
 * Parses a cosigner verifier key `<name>+<8 lowercase hex>+base64(0x04 || 32-byte Ed25519 public key)`.
 * Returns null for any other shape, another signature type, or a key ID that does not match.
 */
export function parseCosignerKey(vkey: string): NoteVerifier | null {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) return null;
  const name = vkey.slice(0, first);
  const hex = vkey.slice(first + 1, second);
  const typedKey = decodeStrictBase64(vkey.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hex) || typedKey === null) return null;
  if (typedKey.length !== 1 + ED25519_KEY_BYTES || typedKey[0] !== COSIGNATURE_V1_TYPE) return null;
  let verifier: NoteVerifier;
  try {
    verifier = cosignatureVerifier(name, typedKey.subarray(1));
  } catch (error) {
    if (error instanceof NoteFormatError) return null;
    throw error;
  }
  return verifier.keyId.toString('hex') === hex ? verifier : null;
}

/** Formats the cosigner verifier key of an Ed25519 public key (type 0x04). */
export function formatCosignerKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteFormatError('Invalid key name');
  if (publicKey.length !== ED25519_KEY_BYTES) throw new NoteFormatError('An Ed25519 public key is 32 bytes');
  const typed = Buffer.concat([Uint8Array.of(COSIGNATURE_V1_TYPE), publicKey]).toString('base64');
  return `${name}+${cosignatureKeyId(name, publicKey).toString('hex')}+${typed}`;
}

/** The outcome of `openCosignatures`. */
export type OpenedCosignatures =
  | { readonly ok: true; readonly cosignatures: readonly NoteSignature[] }
  | { readonly ok: false; readonly reason: 'malformed' | 'invalid_signature' | 'no_trusted_signature' };

/**
 * Checks signature lines a witness returned (`— <name> <base64>\n` each) against the checkpoint body they
 * claim to cosign, as tlog-witness suggests: append them to the body and open the note with the trusted
 * witness verifiers. Lines from unknown keys are dropped; a known key's bad line refuses all of them.
 */
export function openCosignatures(
  checkpointBody: string,
  signatureLines: string,
  witnesses: readonly NoteVerifier[],
): OpenedCosignatures {
  const opened = openNote(`${checkpointBody}\n${signatureLines}`, witnesses);
  return opened.ok ? { ok: true, cosignatures: opened.verified } : opened;
}

/**
 * Adds cosignatures to a signed note, skipping any line the note already carries from the same key (name
 * and key ID). Throws `NoteFormatError` if `signedNote` does not parse.
 */
export function addCosignatures(signedNote: string, cosignatures: readonly NoteSignature[]): string {
  const note = parseNote(signedNote);
  if (note === null) throw new NoteFormatError('Not a signed note');
  const fresh = cosignatures.filter(
    (c) => !note.signatures.some((s) => s.name === c.name && s.keyId.equals(c.keyId)),
  );
  return formatNote({ text: note.text, signatures: [...note.signatures, ...fresh] });
}
