/**
 * One-time recovery codes: the way back in for someone who has lost their authenticator.
 *
 * Each account gets ten codes of ten Crockford base32 characters (no I, L, O or U), shown once as
 * `abcde-fghij` and stored only as salted hashes. Typed input is forgiven its case, spaces, dashes and the
 * look-alikes Crockford maps (O→0, I/L→1). Using a code up is the caller's job: it marks the matched row used.
 *
 * Why a fast hash is enough: the codes are 50 random bits, not human choices, so there is no dictionary to
 * try, and each stored value has its own salt, so one guess tests one code only. Recovering a code from a
 * stolen table takes ~2^49 HMACs — a long GPU job for one second factor, still useless without the password —
 * whereas a slow hash would make every recovery attempt costly for us.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { secureRandom } from '../../crypto/random.ts';

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CANONICAL = /^[0-9A-HJKMNP-TV-Z]{10}$/;
const SALT_BYTES = 16;
const MAC_BYTES = 32;
/** Long enough for a code with generous spacing; anything longer is not a code. */
const MAX_INPUT_LENGTH = 40;

/**
 * Ten fresh codes to show once, and for each the hash to store (same order). Nothing else can recover them.
 *
 * @example
 * const { codes, hashes } = generateRecoveryCodes();
 * await store.replaceRecoveryCodes(accountId, hashes); // then display `codes`
 */
export function generateRecoveryCodes(): { codes: string[]; hashes: Buffer[] } {
  const canonical = new Set<string>();
  while (canonical.size < RECOVERY_CODE_COUNT) {
    // 32 symbols divide 256, so masking each byte to 5 bits is uniform.
    canonical.add([...secureRandom(CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]).join(''));
  }
  const codes: string[] = [];
  const hashes: Buffer[] = [];
  for (const code of canonical) {
    codes.push(`${code.slice(0, 5)}-${code.slice(5)}`.toLowerCase());
    hashes.push(hashRecoveryCode(code, secureRandom(SALT_BYTES)));
  }
  return { codes, hashes };
}

/**
 * The canonical form of a typed code (upper case, no separators, look-alikes mapped), or null if it cannot be
 * one.
 *
 * @example normaliseRecoveryCode(' 7kq0x-ILm2z ') // '7KQ0X11M2Z'
 */
export function normaliseRecoveryCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const code = input
    .replace(/[\s\-\u2010-\u2015\u2212]/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CANONICAL.test(code) ? code : null;
}

/**
 * Which of `storedHashes` (the account's unused ones) the typed code matches: its index, or -1. Every stored
 * hash is computed and compared in constant time, so timing tells nothing about which or how many matched.
 */
export function matchRecoveryCode(input: string, storedHashes: readonly Buffer[]): number {
  const code = normaliseRecoveryCode(input);
  if (code === null) return -1;
  let matched = -1;
  storedHashes.forEach((stored, index) => {
    if (stored.length !== SALT_BYTES + MAC_BYTES) return;
    const candidate = hashRecoveryCode(code, stored.subarray(0, SALT_BYTES));
    if (timingSafeEqual(candidate, stored) && matched === -1) matched = index;
  });
  return matched;
}

/** `salt ‖ HMAC-SHA-256(salt, canonical code)`: 48 bytes, self-contained so each row can be checked alone. */
function hashRecoveryCode(code: string, salt: Buffer): Buffer {
  return Buffer.concat([salt, createHmac('sha256', salt).update(code, 'ascii').digest()]);
}
