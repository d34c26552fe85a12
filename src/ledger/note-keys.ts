/**
 * Ed25519 keys for C2SP signed notes: key IDs, the verifier-key string `<name>+<hex key ID>+base64(0x01 ||
 * public key)`, the signer-key string `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)`, and the
 * `NoteSigner` / `NoteVerifier` interfaces the note code uses. A key string is accepted only if its key ID
 * matches its name and key, so a typo or a truncated key is refused instead of silently verifying nothing.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { NoteFormatError } from './ledger-errors.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/** Signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note). */
export const ED25519_SIGNATURE_TYPE = 0x01;

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
// DER headers that wrap a raw 32-byte Ed25519 key as SubjectPublicKeyInfo / PKCS #8 (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Checks signatures made by one named key. `keyId` is its 4-byte key ID. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Buffer;
  /** True if `signature` (without the key ID) is this key's signature of `message`. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs note texts under one named key. `keyId` is its 4-byte key ID. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: Buffer;
  /** The signature of `message` (without the key ID). */
  sign(message: Uint8Array): Buffer;
}

/**
 * True for a usable key name: non-empty, no Unicode space, no `+`, no control character.
 * @example isValidKeyName('custos.example/ledger') // true
 */
export function isValidKeyName(name: string): boolean {
  // Control characters in this regex are deliberate: control characters are refused in names on purpose.
  return name.length > 0 && !/[\s\u0085+\u0000-\u001f\u007f]/u.test(name) && !/[\uD800-\uDFFF]/u.test(name);
}

/** The 4-byte key ID: the first four bytes of SHA-256(name || 0x0A || signature type || public key). */
export function noteKeyId(name: string, signatureType: number, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Uint8Array.of(0x0a, signatureType))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** A verifier for the raw 32-byte Ed25519 public key `publicKey` named `name`; throws `NoteFormatError` if invalid. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteFormatError('Invalid key name');
  const key = importPublicKey(publicKey);
  if (key === null) throw new NoteFormatError('Invalid Ed25519 public key');
  return {
    name,
    keyId: noteKeyId(name, ED25519_SIGNATURE_TYPE, publicKey),
    verify: (message, signature) =>
      signature.length === ED25519_SIGNATURE_BYTES && verify(null, message, key, signature),
  };
}

/** A signer for the raw 32-byte Ed25519 seed `seed` named `name`; throws `NoteFormatError` if invalid. */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  if (!isValidKeyName(name)) throw new NoteFormatError('Invalid key name');
  if (seed.length !== ED25519_KEY_BYTES) throw new NoteFormatError('An Ed25519 seed is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return {
    name,
    keyId: noteKeyId(name, ED25519_SIGNATURE_TYPE, rawPublicKey(key)),
    sign: (message) => sign(null, message, key),
  };
}

/**
 * Parses a verifier key `<name>+<8 lowercase hex>+base64(0x01 || 32-byte public key)`. Returns null for any
 * other shape, an unknown signature type, a wrong key length or a key ID that does not match.
 * @example parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')
 */
export function parseVerifierKey(vkey: string): NoteVerifier | null {
  const parts = splitKey(vkey);
  if (parts === null || importPublicKey(parts.key) === null) return null;
  const verifier = ed25519Verifier(parts.name, parts.key);
  return verifier.keyId.equals(parts.keyId) ? verifier : null;
}

/**
 * Parses a signer key `PRIVATE+KEY+<name>+<8 lowercase hex>+base64(0x01 || 32-byte seed)`. Returns null for
 * any other shape or if the key ID does not match the name and the public key derived from the seed.
 * Signer keys are secrets: keep them out of logs and error messages.
 */
export function parseSignerKey(skey: string): NoteSigner | null {
  if (!skey.startsWith(SIGNER_KEY_PREFIX)) return null;
  const parts = splitKey(skey.slice(SIGNER_KEY_PREFIX.length));
  if (parts === null) return null;
  const signer = ed25519Signer(parts.name, parts.key);
  return signer.keyId.equals(parts.keyId) ? signer : null;
}

/** Formats the verifier key string of an Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  const verifier = ed25519Verifier(name, publicKey);
  return `${name}+${verifier.keyId.toString('hex')}+${typed(publicKey)}`;
}

/** A fresh Ed25519 key pair as a signer-key string (secret) and its verifier-key string (public). */
export function generateNoteKeys(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new NoteFormatError('Invalid key name');
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const publicKey = rawPublicKey(privateKey);
  const keyId = noteKeyId(name, ED25519_SIGNATURE_TYPE, publicKey).toString('hex');
  return {
    signerKey: `${SIGNER_KEY_PREFIX}${name}+${keyId}+${typed(seed)}`,
    verifierKey: `${name}+${keyId}+${typed(publicKey)}`,
  };
}

/** Splits `<name>+<hex id>+<base64(0x01 || 32 bytes)>`; the base64 part may itself contain `+`. */
function splitKey(text: string): { name: string; keyId: Buffer; key: Buffer } | null {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first < 0 || second < 0) return null;
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  const typedKey = decodeStrictBase64(text.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hex) || typedKey === null) return null;
  if (typedKey.length !== 1 + ED25519_KEY_BYTES || typedKey[0] !== ED25519_SIGNATURE_TYPE) return null;
  return { name, keyId: Buffer.from(hex, 'hex'), key: typedKey.subarray(1) };
}

function importPublicKey(raw: Uint8Array): KeyObject | null {
  if (raw.length !== ED25519_KEY_BYTES) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function typed(raw: Uint8Array): string {
  return Buffer.concat([Uint8Array.of(ED25519_SIGNATURE_TYPE), raw]).toString('base64');
}
