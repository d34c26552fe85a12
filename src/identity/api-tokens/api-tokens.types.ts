/** An admin API token as stored, in the tokens service's words: only its SHA-256, never the token itself. */

export interface ApiTokenRecord {
  id: string;
  label: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: Buffer;
  createdAt: number;
  revokedAt: number | null;
}
