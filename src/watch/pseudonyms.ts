/**
 * Staff pseudonyms for security views: security sees what a staff member did, not who they are, until one of
 * them unmasks the person (ledgered, never themselves). A pseudonym is `staff-` and the first 10 base32
 * characters of the keyring's keyed digest of the staff id (`staff_pseudonym`: an HMAC under a key derived
 * from the installation's secret), so it is stable across views and restarts, and the tables alone do not
 * turn it back into an id.
 *
 * Invariant: every staff id a security view shows passes through `mask` (or `of`); with pseudonyms off
 * (`CUSTOS_SECURITY_PSEUDONYMS=off`) both give the id itself.
 */
import type { Keyring } from '../crypto/keyring.ts';
import { encodeBase32 } from '../identity/second-factor/base32.ts';
import { isUuid } from '../platform/ids.ts';

export function createPseudonyms(deps: {
  keyring: Pick<Keyring, 'blindIndex'>;
  /** False where no law asks for pseudonyms: views name staff by id. */
  enabled: boolean;
  /** Is this id a staff member's? (The staff directory.) */
  isStaff: (id: string) => Promise<boolean>;
}) {
  const of = (staffId: string): string =>
    deps.enabled
      ? `staff-${encodeBase32(deps.keyring.blindIndex('staff_pseudonym', staffId)).slice(0, 10)}`
      : staffId;

  return {
    enabled: deps.enabled,

    /**
     * The name a security view gives this staff member.
     *
     * @example pseudonyms.of('0193…') // 'staff-K7Q2M4XZ3A'
     */
    of,

    /**
     * A view's value with every staff id in it (strings, in arrays and objects, at any depth) replaced by its
     * pseudonym: alert data names staff too (a reviewer, the approvers of an export). One lookup per distinct
     * id-shaped string.
     */
    async mask<T>(value: T): Promise<T> {
      if (!deps.enabled) return value;
      const known = new Map<string, boolean>();
      const walk = async (v: unknown): Promise<unknown> => {
        if (typeof v === 'string') {
          if (!isUuid(v)) return v;
          if (!known.has(v)) known.set(v, await deps.isStaff(v));
          return known.get(v) ? of(v) : v;
        }
        if (Array.isArray(v)) return Promise.all(v.map(walk));
        if (v !== null && typeof v === 'object') {
          const out: Record<string, unknown> = {};
          for (const [key, inner] of Object.entries(v)) out[key] = await walk(inner);
          return out;
        }
        return v;
      };
      return (await walk(value)) as T;
    },
  };
}

export type Pseudonyms = ReturnType<typeof createPseudonyms>;
