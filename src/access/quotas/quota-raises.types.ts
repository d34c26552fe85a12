/** A quota raise above the role's default, as stored (quota-raises.store.ts maps its row). */

export type QuotaRaiseStatus = 'pending' | 'approved' | 'rejected';

export interface QuotaRaiseRecord {
  id: string;
  staffId: string;
  quota: string;
  max: number;
  /** How long the raise lasts once approved. */
  hours: number;
  requestedBy: string;
  status: QuotaRaiseStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  createdAt: number;
}
