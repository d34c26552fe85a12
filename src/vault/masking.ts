/**
 * Masked forms: what staff see by default. Each keeps just enough to confirm a customer on the phone
 * ("the number ending 8000?") and no more. Star runs have a fixed length so a mask does not leak the
 * length of what it hides.
 */

/** `+86 138 **** 8000` for Chinese mobiles; otherwise the country code and the last four digits. */
export function maskPhone(e164: string): string {
  const cn = /^\+86(1\d{2})\d{4}(\d{4})$/.exec(e164);
  if (cn) return `+86 ${cn[1]} **** ${cn[2]}`;
  return `+${e164.slice(1, 3)} **** ${e164.slice(-4)}`;
}

const HAN = /\p{Script=Han}/u;

/**
 * Latin-script names keep the first letter of each given part and the whole last part (`Z** Wei`); names in
 * Chinese characters keep the surname (`张**`).
 */
export function maskName(name: string): string {
  if (HAN.test(name) && !name.includes(' ')) return `${[...name][0]}**`;
  const parts = name.split(' ');
  if (parts.length === 1) return `${[...name][0]}**`;
  const last = parts[parts.length - 1] as string;
  const initials = parts.slice(0, -1).map((p) => `${[...p][0]}**`);
  return [...initials, last].join(' ');
}

/** `w***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email[0]}***${email.slice(at)}`;
}

/** `****1234`. */
export function maskAccountId(id: string): string {
  return `****${id.slice(-4)}`;
}

/** Sensitive: only the last two characters (`****************3X`). */
export function maskNationalId(id: string): string {
  return `${'*'.repeat(Math.max(id.length - 2, 4))}${id.slice(-2)}`;
}

/** The first administrative part of an address (up to the first comma, or six characters), then `***`. */
export function maskAddress(address: string): string {
  const comma = address.search(/[,，]/);
  const chars = [...address];
  const head =
    comma > 0 && comma <= 24
      ? address.slice(0, comma)
      : chars.slice(0, Math.min(6, chars.length - 1)).join('');
  return `${head} ***`;
}

/** Year only: `1988-**-**`. */
export function maskBirthDate(date: string): string {
  return `${date.slice(0, 4)}-**-**`;
}
