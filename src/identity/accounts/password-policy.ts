/**
 * The password policy: long enough, not absurdly long, not a known common password, and not built from the
 * account's own login or name. No composition rules (digits, symbols, upper case): they push people towards
 * `Password1!` and away from long passphrases, which is why NIST SP 800-63B dropped them.
 *
 * Invariants: every comparison is made on the NFKC form (the form `passwords.ts` hashes), case-folded; the
 * human text of a problem never repeats the password, the login or the name.
 */
import { createRequire } from 'node:module';
import { type FieldProblem, validationFailed } from '../../platform/errors.ts';

export const passwordPolicy = Object.freeze({
  /** In Unicode code points after NFKC, so an emoji or a composed accent counts once. */
  minLength: 12,
  /** Generous for passphrases, small enough that hashing cost stays predictable. */
  maxLength: 256,
  /** Shorter logins and names are not checked: refusing every password containing "anna" helps nobody. */
  minPersonalTermLength: 4,
});

export type PasswordProblemReason =
  'too_short' | 'too_long' | 'common_password' | 'contains_login' | 'contains_name';

export interface PasswordProblem {
  reason: PasswordProblemReason;
  /** For the person choosing the password; names no value. */
  message: string;
}

/** What the password must not contain: the account's own identifiers. */
export interface PasswordContext {
  /** Email address or phone number; for an email, the part before `@` is what counts. */
  login?: string | null;
  displayName?: string | null;
}

const messages: Record<PasswordProblemReason, string> = {
  too_short: `must be at least ${passwordPolicy.minLength} characters long`,
  too_long: `must be at most ${passwordPolicy.maxLength} characters long`,
  common_password: 'is too common: it appears in a list of frequently used passwords',
  contains_login: 'must not contain your login',
  contains_name: 'must not contain your name',
};

function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The common-password list shipped with @zxcvbn-ts/language-common (≈ 49,000 entries, ranked by frequency),
 * folded into a Set on first use: decompressing it takes some tens of milliseconds and a few megabytes, which
 * a process that never sets a password should not pay.
 */
function commonPasswordSet(): ReadonlySet<string> {
  if (!commonPasswords) {
    const require = createRequire(import.meta.url);
    const { dictionary } =
      require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common'].map(fold));
  }
  return commonPasswords;
}

/** True if the password, ignoring case, is on the shipped list of common passwords. */
export function isCommonPassword(password: string): boolean {
  return commonPasswordSet().has(fold(password));
}

/** The parts of a login worth refusing: an email's local part (with and without a `+tag`), else the whole. */
function loginTerms(login: string): string[] {
  const folded = fold(login.trim());
  const at = folded.lastIndexOf('@');
  if (at < 0) return [folded.replace(/^\+/, '')];
  const local = folded.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? [local, local.slice(0, plus)] : [local];
}

/** The display name as written and with its spaces removed ("Ada Lovelace" and "adalovelace"). */
function nameTerms(displayName: string): string[] {
  const folded = fold(displayName.trim());
  return [folded, folded.replace(/\s+/gu, '')];
}

function containsAny(folded: string, terms: string[]): boolean {
  return terms.some(
    (term) => codePoints(term) >= passwordPolicy.minPersonalTermLength && folded.includes(term),
  );
}

/**
 * Every way the password breaks the policy; an empty list means it is acceptable.
 *
 * @example
 * passwordProblems('password1234').map((p) => p.reason); // ['common_password']
 * passwordProblems('ada-lovelace-rules', { login: 'ada@example.com', displayName: 'Ada Lovelace' });
 * // [{ reason: 'contains_name', message: 'must not contain your name' }]
 */
export function passwordProblems(password: string, context: PasswordContext = {}): PasswordProblem[] {
  const reasons: PasswordProblemReason[] = [];
  const folded = fold(password);
  const length = codePoints(folded);
  if (length < passwordPolicy.minLength) reasons.push('too_short');
  if (length > passwordPolicy.maxLength) reasons.push('too_long');
  if (commonPasswordSet().has(folded)) reasons.push('common_password');
  if (context.login && containsAny(folded, loginTerms(context.login))) reasons.push('contains_login');
  if (context.displayName && containsAny(folded, nameTerms(context.displayName)))
    reasons.push('contains_name');
  return reasons.map((reason) => ({ reason, message: messages[reason] }));
}

/**
 * Throw VALIDATION_FAILED, with one detail per problem under the path `password`, unless the password is
 * acceptable.
 *
 * @example
 * assertAcceptablePassword(body.password, { login: account.login, displayName: account.display_name });
 * const hash = await hashPassword(body.password);
 */
export function assertAcceptablePassword(password: string, context: PasswordContext = {}): void {
  const problems = passwordProblems(password, context);
  if (problems.length === 0) return;
  const details: FieldProblem[] = problems.map((p) => ({ path: 'password', problem: p.message }));
  throw validationFailed(details);
}
