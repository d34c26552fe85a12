/** An announcement of an approval to the approving role, as stored (announcements.store.ts maps its row). */

export interface Announcement {
  id: string;
  /** The approving role it is announced to. */
  role: string;
  /** What was approved: `policy.approved`, `export.approved`, `reveal_approval.approved`, … */
  kind: string;
  /** What the approval was of (a proposal, export, approval, raise or staff id). */
  subjectId: string;
  requestedBy: string | null;
  decidedBy: string;
  createdAt: number;
}
