/**
 * Masked forms: what staff see by default. Each keeps just enough to confirm a customer on the phone
 * ("the number ending 8000?") and no more. Star runs have a fixed length so a mask does not leak the
 * length of what it hides.
 *
 * The masks are reviewed together, not one by one (docs/MASKS.md, "the mask budget"): everything a role sees
 * of one customer at once — every mask, plus what the case's purpose reveals without a second approver —
 * must leave a national ID at least 10,000 candidates. Hence the national ID shows nothing, the address only
 * its province, the birth date only its year, and a pinyin name only its initials.
 */

/** `+86 138 **** 8000` for Chinese mobiles; otherwise the country code and the last four digits. */
export function maskPhone(e164: string): string {
  const cn = /^\+86(1\d{2})\d{4}(\d{4})$/.exec(e164);
  if (cn) return `+86 ${cn[1]} **** ${cn[2]}`;
  return `+${e164.slice(1, 3)} **** ${e164.slice(-4)}`;
}

const HAN = /\p{Script=Han}/u;

/**
 * Names in Chinese characters keep the surname (`张**`); Latin-script names (pinyin among them) keep only the
 * first letter of each part (`Z** W**`): a whole pinyin given name is most of a name.
 */
export function maskName(name: string): string {
  if (HAN.test(name) && !name.includes(' ')) return `${[...name][0]}**`;
  return name
    .split(' ')
    .filter((part) => part !== '')
    .map((part) => `${[...part][0]}**`)
    .join(' ');
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

/**
 * Sensitive: nothing of it (`******************`, one fixed length). Its last two characters with a revealed
 * birth date and the address district left about a hundred candidates, ten searches' work (docs/MASKS.md).
 */
export function maskNationalId(_id: string): string {
  return '*'.repeat(18);
}

/** A province-level division at the start of a Chinese address: a municipality, a province or a region. */
const PROVINCE = /^(北京市|天津市|上海市|重庆市|.{2,3}省|.{2,8}?自治区|.{2,3}特别行政区)/u;

/**
 * Only the province (`广东省 ***`); for an address in Latin script, its last comma-separated part without
 * digits (`Beijing ***`, the city or province such addresses end with); otherwise nothing (`***`). The
 * district narrowed a national ID's region code to one (docs/MASKS.md).
 */
export function maskAddress(address: string): string {
  const province = PROVINCE.exec(address);
  if (province) return `${province[1]} ***`;
  if (HAN.test(address)) return '***';
  const parts = address.split(/[,，]/);
  const tail = parts.length > 1 ? (parts[parts.length - 1] as string).replace(/[0-9]/g, '').trim() : '';
  return tail === '' ? '***' : `${tail} ***`;
}

/** Year only: `1988-**-**`. */
export function maskBirthDate(date: string): string {
  return `${date.slice(0, 4)}-**-**`;
}
