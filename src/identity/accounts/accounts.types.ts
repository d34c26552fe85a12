/**
 * Accounts as stored, in the identity services' words: an account (staff or customer realm) and what hangs
 * off it — its invitation, its TOTP credential, its recovery codes. accounts.store.ts maps them to and from
 * their rows; secrets appear only sealed or hashed.
 */
import type { Realm } from '../sessions/sessions.types.ts';

export interface AccountRecord {
  id: string;
  /** `staff` or `customer`: the two realms never share a session. */
  realm: Realm;
  /** The staff member or customer this account signs in as. */
  subjectId: string;
  /**
   * Unique per realm. Staff: the normalised email. Customers: the keyed blind index of the normalised email
   * or E.164 phone (portal-logins.ts), never the contact in clear.
   */
  login: string;
  /** Staff: their name. Customers: empty; the contact is in `displaySealed`. */
  displayName: string;
  /** Customers: the contact they sign in with, sealed under their own key; null for staff. */
  displaySealed: Buffer | null;
  /** argon2id; null until an invitation is accepted. */
  passwordHash: string | null;
  /** `invited`, `active`, `suspended`, `offboarded`. */
  status: string;
  /** When a second factor was first confirmed; nothing works before it. */
  enrolledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What an update of an account may change. */
export type AccountChange = Partial<
  Pick<AccountRecord, 'passwordHash' | 'status' | 'enrolledAt' | 'updatedAt'>
>;

export interface InvitationRecord {
  /** SHA-256 of the invitation token, which is shown once and never stored. */
  tokenHash: Buffer;
  accountId: string;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
}

export interface TotpCredential {
  accountId: string;
  /** The shared secret, sealed by the keyring. */
  secretSealed: Buffer;
  /** The last time step accepted: a code of that step or older is a replay. */
  lastStep: number;
  confirmedAt: number | null;
  createdAt: number;
  /**
   * A re-enrolment waiting for its first code: the new secret, sealed like the confirmed one. It signs in
   * nothing; the confirmed secret keeps working until the new one is confirmed and takes its place.
   */
  pending?: { secretSealed: Buffer; createdAt: number } | null;
}

export interface RecoveryCodeRecord {
  accountId: string;
  /** Its position among the account's codes. */
  index: number;
  codeHash: Buffer;
  usedAt: number | null;
}
