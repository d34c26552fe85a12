/**
 * Sessions as stored, in the sessions service's words: camelCase, times as epoch milliseconds.
 * sessions.store.ts maps them to and from their rows.
 */

export type Realm = 'staff' | 'customer';

export interface StoredSession {
  /** SHA-256 of the session token; the token itself is only ever in the client's hands. */
  tokenHash: Buffer;
  /** A public handle for listing and revoking sessions. */
  id: string;
  accountId: string;
  realm: Realm;
  csrfHash: Buffer;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end (one shift for staff). */
  expiresAt: number;
  /** When the second factor was completed in this session; null: password only so far. */
  secondFactorAt: number | null;
  /** When the last step-up assertion was made. */
  stepUpAt: number | null;
  revokedAt: number | null;
}

/** A stored session with what `authenticate` needs of its account, read together. */
export interface SessionWithAccount extends StoredSession {
  accountStatus: string;
  /** The staff member or customer the account signs in as. */
  subjectId: string;
}
