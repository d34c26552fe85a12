/**
 * Portal logins without the customer's contact in clear. A customer account's stored login is `bidx1:` and the
 * keyed blind index (its own HMAC key, `portal_login`) of the normalised email or E.164 phone, so sign-in still
 * finds the account however the contact is typed (`+86 137 …`, `137-2468-…`, any case of an email), while the
 * database holds nothing a reader without the index key can turn back into a contact. The contact itself —
 * needed only to show the customer their own login (authenticator label, passkey name, password checks) — is
 * sealed under the customer's own data key, so erasing the customer's key shreds it with their record.
 *
 * Invariants: a customer login is stored only as `index(normalised)`; the sealed contact opens only for its
 * customer and as this field; staff logins (staff emails, not customer data) are unchanged.
 */
import type { Keyring } from '../../crypto/keyring.ts';
import { normaliseEmail, normalisePhone } from '../../crypto/normalise.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AccountStore } from './accounts.store.ts';
import type { AccountRecord } from './accounts.types.ts';

/** The prefix of a stored customer login: version 1 of the keyed blind index, base64url. */
export const PORTAL_LOGIN_PREFIX = 'bidx1:';
/** The field name the contact is sealed as (bound into its AAD, apart from the vault's own fields). */
const SEALED_FIELD = 'portal_login';

/** An email or phone as typed, in its normal form; null when it is neither. */
export function normaliseContact(typed: string): string | null {
  return normaliseEmail(typed) ?? normalisePhone(typed);
}

export function createPortalLogins(deps: {
  keyring: Pick<Keyring, 'blindIndex' | 'cipher'>;
  store: Pick<AccountStore, 'customerAccountsWithClearLogin' | 'protectLogin'>;
  logger?: Pick<Logger, 'info' | 'warn'>;
}) {
  const { keyring, store } = deps;

  /** The stored login of a normalised contact. */
  function index(normalised: string): string {
    return `${PORTAL_LOGIN_PREFIX}${keyring.blindIndex('portal_login', normalised).toString('base64url')}`;
  }

  /** The contact sealed under the customer's key; null when the customer has no key (erased). */
  async function seal(customerId: string, contact: string): Promise<Buffer | null> {
    const cipher = await keyring.cipher(customerId);
    return cipher ? cipher.seal(SEALED_FIELD, contact) : null;
  }

  return {
    index,
    seal,

    /**
     * The stored login for what a customer typed. Anything that is not an email or phone is indexed as typed
     * (case-folded): it matches no account, after the same work as one that does.
     */
    fromTyped(typed: string): string {
      return index(normaliseContact(typed) ?? typed.normalize('NFKC').trim().toLowerCase());
    },

    /**
     * What the account signs in with, in clear, for the account holder's own eyes: a staff login as stored; a
     * customer's contact opened with their key (null if it is gone).
     */
    async contactOf(account: AccountRecord): Promise<string | null> {
      if (account.realm !== 'customer') return account.login;
      if (!account.displaySealed) return null;
      const cipher = await keyring.cipher(account.subjectId);
      return cipher ? cipher.open(SEALED_FIELD, account.displaySealed) : null;
    },

    /**
     * Rewrite customer accounts stored before logins were indexed (plaintext `login` and `display_name`):
     * index the login, seal the contact under the customer's key (nothing is kept if the customer has no key),
     * blank the name. Idempotent; run at every start, after the keyring is loaded. Returns how many changed.
     */
    async protectExisting(): Promise<number> {
      const rows = await store.customerAccountsWithClearLogin(PORTAL_LOGIN_PREFIX);
      let changed = 0;
      for (const row of rows) {
        const contact = normaliseContact(row.login) ?? row.login;
        const sealed = await seal(row.subjectId, contact);
        if (await store.protectLogin(row.id, row.login, { login: index(contact), displaySealed: sealed }))
          changed++;
      }
      if (changed > 0) deps.logger?.info({ accounts: changed }, 'portal logins moved to keyed blind indexes');
      return changed;
    },
  };
}

export type PortalLogins = ReturnType<typeof createPortalLogins>;
