/** An automatic suspension as the suspensions service works with it. */
export interface SuspensionRecord {
  id: string;
  staffId: string;
  suspendedAt: number;
  reviewDueAt: number;
  reviewedAt: number | null;
  reviewedBy: string | null;
  outcome: 'lifted' | 'confirmed' | null;
  /** Why the reviewer decided so (about the staff member, never about a customer). */
  reason: string | null;
}
