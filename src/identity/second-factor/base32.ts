/**
 * RFC 4648 §6 base32, the encoding authenticator apps expect for TOTP secrets in `otpauth://` URIs.
 *
 * Encoding is upper case without padding (as the Key URI format asks). Decoding is forgiving only where
 * people or other tools differ harmlessly — letter case and trailing `=` padding — and otherwise strict:
 * an unknown character, an impossible length or non-zero spare bits make it return null, so that one secret
 * has one spelling.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const VALUES = new Map([...ALPHABET].map((char, value) => [char, value]));
/** Lengths (mod 8) that an unpadded encoding can have; 1, 3 and 6 leave a partial byte. */
const VALID_REMAINDERS = new Set([0, 2, 4, 5, 7]);

/**
 * Base32 of `bytes`, upper case, no padding.
 *
 * @example encodeBase32(Buffer.from('12345678901234567890')) // 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
 */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The bytes of a base32 string (any case, padding optional), or null if it is not canonical base32. */
export function decodeBase32(text: string): Buffer | null {
  const padded = /^([A-Za-z2-7]*)(=*)$/.exec(text);
  if (!padded) return null;
  const body = (padded[1] ?? '').toUpperCase();
  const padding = padded[2] ?? '';
  if (!VALID_REMAINDERS.has(body.length % 8)) return null;
  const wholeBlocks = (body.length + padding.length) % 8 === 0;
  if (padding.length > 0 && (padding.length >= 8 || !wholeBlocks)) return null;

  const out = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    buffer = ((buffer << 5) | (VALUES.get(char) ?? 0)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  // Spare bits must be zero, or two strings would decode to the same secret.
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
