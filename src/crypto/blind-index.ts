/**
 * Blind indexes: HMAC-SHA-256 of a normalised value under a per-kind key derived with HKDF from one root
 * secret, truncated to 128 bits. Equal values give equal digests (exact-match search); the digest reveals
 * nothing without the root secret, which is stored only wrapped by the master key.
 *
 * Each kind (phone, email, …) has its own derived key, so digests cannot be compared across kinds.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export const BLIND_INDEX_BYTES = 16;

export type BlindIndexKind = 'phone' | 'email' | 'account_id' | 'national_id';
/**
 * Keyed digests that are not search indexes: one-time codes customers read out to staff; portal logins (a
 * customer account's email or phone); sign-in throttle keys (what was typed as a login, so the throttle table
 * holds no login either); honey marks (which customers are honey records); watch marks (VIPs and co-workers);
 * staff pseudonyms (how security views name staff until someone unmasks them). Each has its own key, so none can
 * be matched against the customer search indexes.
 */
export type DigestKind =
  | BlindIndexKind
  | 'presence_code'
  | 'portal_login'
  | 'sign_in_throttle'
  | 'honey_mark'
  | 'watch_mark'
  | 'staff_pseudonym';

const digestKinds: readonly DigestKind[] = [
  'phone',
  'email',
  'account_id',
  'national_id',
  'presence_code',
  'portal_login',
  'sign_in_throttle',
  'honey_mark',
  'watch_mark',
  'staff_pseudonym',
];

export function deriveBlindIndexKey(root: Buffer, kind: DigestKind): Buffer {
  return Buffer.from(hkdfSync('sha256', root, 'custos/blind-index/v1', kind, 32));
}

export function createBlindIndexer(root: Buffer) {
  const keys = new Map<DigestKind, Buffer>();
  for (const kind of digestKinds) {
    keys.set(kind, deriveBlindIndexKey(root, kind));
  }
  return (kind: DigestKind, normalised: string): Buffer =>
    createHmac('sha256', keys.get(kind) as Buffer)
      .update(normalised, 'utf8')
      .digest()
      .subarray(0, BLIND_INDEX_BYTES);
}

export type BlindIndexer = ReturnType<typeof createBlindIndexer>;
