/**
 * Normal forms of the values Custos searches by, so that the blind index of "+86 138-0013-8000" and of
 * "13800138000" is the same. Each returns null when the value cannot be a valid one of its kind.
 */

/** E.164 (`+8613800138000`). Bare 11-digit Chinese mobiles get +86; `00` becomes `+`. */
export function normalisePhone(raw: string): string | null {
  const compact = raw.normalize('NFKC').replace(/[\s\-().]/g, '');
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (/^1[3-9]\d{9}$/.test(compact)) digits = `86${compact}`;
  else return null;
  if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
  if (digits.startsWith('86') && digits.length !== 13 && digits[2] === '1') return null;
  return `+${digits}`;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** Control characters (NUL included) and invisible format characters (bidi overrides, zero-width joiners). */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

/**
 * Lower-cased, NFKC, trimmed; at most 254 characters. Null for anything holding a control character (NUL
 * would be refused by PostgreSQL and cut short elsewhere) or an invisible format character (a look-alike of
 * another address).
 */
export function normaliseEmail(raw: string): string | null {
  if (CONTROL_OR_FORMAT.test(raw)) return null;
  const email = raw.normalize('NFKC').trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}

/** NFKC, single spaces; the form names are stored and shown in. */
export function normaliseName(raw: string): string | null {
  const name = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > 200 || /\p{Cc}/u.test(name)) return null;
  return name;
}

/** Account IDs: NFKC, upper-case, no spaces; letters, digits, `-` and `_`. */
export function normaliseAccountId(raw: string): string | null {
  const id = raw.normalize('NFKC').trim().toUpperCase();
  return /^[A-Z0-9][A-Z0-9_-]{2,63}$/.test(id) ? id : null;
}

const CN_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CN_ID_CHECK = '10X98765432';

/** The check character of an 18-character PRC resident identity number (GB 11643, ISO 7064 MOD 11-2). */
export function chineseIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (CN_ID_WEIGHTS[i] as number);
  return CN_ID_CHECK[sum % 11] as string;
}

/**
 * National identity numbers: NFKC, upper-case, no spaces. An 18-character PRC number must carry a valid
 * check character; other countries' numbers are accepted as 5–32 letters and digits.
 */
export function normaliseNationalId(raw: string): string | null {
  const id = raw.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
  if (/^\d{17}[\dX]$/.test(id)) return chineseIdCheckCharacter(id.slice(0, 17)) === id[17] ? id : null;
  return /^[A-Z0-9]{5,32}$/.test(id) ? id : null;
}

/** ISO date `YYYY-MM-DD`, a real calendar day, not in the future, not before 1900. */
export function normaliseBirthDate(raw: string, today = new Date()): string | null {
  const value = raw.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return null;
  if (date.getTime() > today.getTime() || Number(match[1]) < 1900) return null;
  return value;
}

/** Free text such as an address: NFKC, single spaces, 1–500 characters, no control characters. */
export function normaliseText(raw: string, max = 500): string | null {
  const text = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (text.length === 0 || text.length > max || /\p{Cc}/u.test(text)) return null;
  return text;
}
