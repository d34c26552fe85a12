/**
 * Canonical standard base64 (RFC 4648 §4) for signed notes, keys and checkpoints. Node's own decoder skips
 * characters it does not know and ignores padding mistakes, which would let two different strings name the
 * same signature or key; here only the one canonical encoding of a byte string is accepted.
 */

const SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a canonical base64 string, or null if it is not one (bad characters, padding or spare bits). */
export function decodeStrictBase64(text: string): Buffer | null {
  if (!SHAPE.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
