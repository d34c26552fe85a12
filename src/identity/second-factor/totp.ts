/**
 * One-time passwords for the second factor: HOTP (RFC 4226) and TOTP (RFC 6238) on node:crypto.
 *
 * Custos issues 6-digit, 30-second, HMAC-SHA-1 codes — what every authenticator app supports — from a
 * 160-bit random secret. Other digit counts and SHA-256/512 exist for the RFC vectors and for tokens that
 * need them. Verification returns the time step a code matched so that the caller can store it and refuse any
 * code whose step is not newer: a TOTP code is single-use only if the account remembers its last step.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { secureRandom } from '../../crypto/random.ts';

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** 160 bits: the secret length RFC 4226 §4 recommends (R6 requires at least 128). */
export const TOTP_SECRET_BYTES = 20;
/** The parameters Custos enrols with; the `otpauth://` URI tells the app the same. */
export const TOTP_DEFAULTS = {
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
} as const satisfies Required<TotpOptions>;

const MIN_SECRET_BYTES = 16;
const MAX_WINDOW = 10;
const HMAC_NAMES: Record<TotpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export interface OtpOptions {
  /** HMAC hash; SHA1 unless the token was enrolled otherwise. */
  algorithm?: TotpAlgorithm;
  /** Code length, 6 to 8 (RFC 4226 asks for at least 6; 31 bits give no more than 9 meaningful digits). */
  digits?: number;
}

export interface TotpOptions extends OtpOptions {
  /** Time step in seconds. */
  period?: number;
}

export interface VerifyTotpInput extends TotpOptions {
  secret: Buffer;
  /** What the person typed; anything but exactly `digits` ASCII digits is refused. */
  code: string;
  /** Milliseconds since the Unix epoch (a `Clock` reading). */
  now: number;
  /** The step of the last code this account used, or null if none has been: only later steps are accepted. */
  lastUsedStep: number | null;
  /** How many steps either side of now to accept, for clock drift and slow typists; 1 by default. */
  window?: number;
}

/** A fresh random TOTP secret of {@link TOTP_SECRET_BYTES}; seal it at rest, show it only as the enrolment URI. */
export function generateTotpSecret(): Buffer {
  return secureRandom(TOTP_SECRET_BYTES);
}

/**
 * The HOTP value for `counter` (RFC 4226 §5): HMAC, dynamic truncation to 31 bits, then the low decimal digits.
 *
 * @example hotp(Buffer.from('12345678901234567890'), 0) // '755224'
 */
export function hotp(secret: Buffer, counter: number, options: OtpOptions = {}): string {
  const { algorithm, digits } = checkOptions(options);
  if (secret.length < MIN_SECRET_BYTES)
    throw new RangeError(`OTP secrets must be at least ${MIN_SECRET_BYTES} bytes`);
  if (!Number.isSafeInteger(counter) || counter < 0)
    throw new RangeError('OTP counters are non-negative integers');

  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  message.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac(HMAC_NAMES[algorithm], secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const truncated = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(truncated % 10 ** digits).padStart(digits, '0');
}

/** The TOTP time step that contains `now` (milliseconds since the epoch), counting from T0 = 0. */
export function totpStep(now: number, period: number = TOTP_DEFAULTS.period): number {
  checkPeriod(period);
  return Math.floor(now / (period * 1000));
}

/**
 * The TOTP code for the step containing `now` (RFC 6238 §4).
 *
 * @example totp(Buffer.from('12345678901234567890'), 59_000) // '287082' (step 1)
 */
export function totp(secret: Buffer, now: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(now, options.period), options);
}

/**
 * Check a code against the steps within `window` of now. Returns the step it matched, which the caller must
 * store as the account's new `lastUsedStep` (and store only if still newer, to lose replay races), or null
 * for a wrong, malformed, expired or already-used code. Every step in the window is computed and compared in
 * constant time, whatever the outcome.
 *
 * @example
 * const match = verifyTotp({ secret, code, now: clock.now(), lastUsedStep: row.last_step, window: 1 });
 * if (match && (await store.advanceTotpStep(accountId, match.step))) signIn();
 */
export function verifyTotp(input: VerifyTotpInput): { step: number } | null {
  const { algorithm, digits } = checkOptions(input);
  const window = input.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new RangeError(`The TOTP window is an integer from 0 to ${MAX_WINDOW}`);
  }
  // The shape test needs no secrecy: it says nothing about the expected code.
  if (typeof input.code !== 'string' || !new RegExp(`^[0-9]{${digits}}$`).test(input.code)) return null;

  const typed = Buffer.from(input.code, 'ascii');
  const current = totpStep(input.now, input.period);
  const after = input.lastUsedStep ?? -1;
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(input.secret, step, { algorithm, digits }), 'ascii');
    // Keep the latest matching step: accepting an earlier one would let the same code pass again later,
    // in the rare case that it is also the code of a later step in the window.
    if (timingSafeEqual(expected, typed) && step > after) matched = step;
  }
  return matched === null ? null : { step: matched };
}

function checkOptions(options: OtpOptions): Required<OtpOptions> {
  const algorithm = options.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = options.digits ?? TOTP_DEFAULTS.digits;
  if (!Object.hasOwn(HMAC_NAMES, algorithm))
    throw new RangeError('OTP algorithm must be SHA1, SHA256 or SHA512');
  if (!Number.isInteger(digits) || digits < 6 || digits > 8)
    throw new RangeError('OTP codes have 6 to 8 digits');
  return { algorithm, digits };
}

function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period <= 0)
    throw new RangeError('The TOTP period is a positive number of seconds');
}
