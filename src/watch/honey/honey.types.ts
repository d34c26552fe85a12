/** A seeded honey set's commitment, as the honey service works with it. */
export interface HoneyCommitment {
  id: string;
  createdAt: number;
  /** How many honey customers the set holds (the ledger says so too; which ones, only the commitment binds). */
  count: number;
  salt: Buffer;
  /** SHA-256 over the salt and the set's customer ids, sorted, each followed by a newline. */
  commitment: Buffer;
}
