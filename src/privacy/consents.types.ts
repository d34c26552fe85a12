/**
 * A customer's stored choice for one purpose, in the consents service's words: camelCase, `granted` a
 * boolean. consents.store.ts maps it to and from its row; no row means "never asked", which counts as refused.
 */

export interface ConsentRecord {
  customerId: string;
  purpose: string;
  granted: boolean;
  /** Where the choice was made (e.g. `case`, `portal`). */
  source: string;
  /** `actorRef` of who recorded it. */
  updatedBy: string;
  updatedAt: number;
}
