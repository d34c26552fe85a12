/**
 * AES-256-GCM with 96-bit IVs and 128-bit tags: the one authenticated cipher Custos uses, for fields, data
 * keys and keyring secrets alike.
 *
 * Sealed layout: `iv (12) ‖ ciphertext ‖ tag (16)`. Callers prefix their own header and always pass an AAD
 * that names what the value is, so that a sealed value cannot be moved to another place and still open.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fillRandom } from './random.ts';

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const EMPTY = Buffer.alloc(0);

/** Raw GCM encryption with a caller-chosen IV; only the vector tests and `seal` use it. */
export function gcmEncrypt(
  key: Buffer,
  iv: Buffer,
  plaintext: Buffer,
  aad: Buffer,
): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** Raw GCM decryption; returns null when the tag does not verify (never partial plaintext). */
export function gcmDecrypt(
  key: Buffer,
  iv: Buffer,
  ciphertext: Buffer,
  tag: Buffer,
  aad: Buffer,
): Buffer | null {
  if (key.length !== KEY_BYTES || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  try {
    return Buffer.concat([head, decipher.final()]);
  } catch {
    head.fill(0);
    return null;
  }
}

/**
 * Encrypt under a fresh random IV; `header` is written in front of the IV and is authenticated too.
 * Written into one buffer allocated once: sealing runs ten times per customer on import.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer, header: Buffer = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(header.length + IV_BYTES + plaintext.length + TAG_BYTES);
  header.copy(out, 0);
  const iv = out.subarray(header.length, header.length + IV_BYTES);
  fillRandom(iv);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header.length === 0 ? aad : Buffer.concat([header, aad]));
  let offset = header.length + IV_BYTES;
  offset += cipher.update(plaintext).copy(out, offset);
  offset += cipher.final().copy(out, offset);
  cipher.getAuthTag().copy(out, offset);
  return out;
}

/** Open a value made by `seal` with the same header length; null if it was altered or moved. */
export function open(key: Buffer, sealed: Buffer, aad: Buffer, headerLength = 0): Buffer | null {
  if (sealed.length < headerLength + IV_BYTES + TAG_BYTES) return null;
  const header = sealed.subarray(0, headerLength);
  const iv = sealed.subarray(headerLength, headerLength + IV_BYTES);
  const ciphertext = sealed.subarray(headerLength + IV_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  return gcmDecrypt(key, iv, ciphertext, tag, Buffer.concat([header, aad]));
}
