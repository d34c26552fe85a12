/**
 * What the ledger records: a closed set of entry types, each with its own payload. No payload holds
 * personal data in plaintext — customers are referred to by id, fields by name, search queries by their
 * keyed blind-index digest, reasons staff type sealed under the customer's own key. Adding an act to Custos means adding its type here.
 */

export interface EntryPayloads {
  'customer.created': { customerId: string; via: 'api' | 'import' };
  'customer.viewed': { customerId: string; caseId?: string };
  /**
   * A correction: the fields named, never their values (old or new); `version` is the record's version after
   * it (absent on older entries). The old value survives only as this reference to when it was replaced.
   */
  'customer.updated': { customerId: string; fields: string[]; caseId?: string; version?: number };
  /** The customer saw their own record in plaintext through the portal (my data). */
  'customer.self_viewed': { customerId: string };
  /**
   * The content-free tombstone of an erasure: the customer's data key destroyed, their sealed fields and
   * blind indexes deleted (privacy/erasure). Who asked (`portal`: the customer; `staff`: a privacy officer).
   */
  'customer.erased': { customerId: string; via: 'portal' | 'staff' };
  /** An erasure refused: the customer's data is under a legal hold. */
  'customer.erasure_refused': { customerId: string; reason: 'legal_hold' };
  /** A legal hold placed or lifted; the stated reason as its SHA-256 only (the text is sealed under the customer's key). */
  'legal_hold.placed': { customerId: string; reasonSha256: string };
  'legal_hold.lifted': { customerId: string; reasonSha256: string };
  /** Plaintext of some fields left Custos for a case; `revealId` links the sealed reason. */
  'customer.revealed': {
    customerId: string;
    caseId: string;
    fields: string[];
    purpose: string;
    revealId: string;
    /** What the staff member typed, sealed under the customer's key (base64); gone with crypto-shredding. */
    reason: string;
    /** The second person's approval the reveal used (sensitive class). */
    approvalId?: string;
    /** What shows the customer started the access (`none`: staff-initiated; absent on older entries). */
    evidence?: 'presence_code' | 'inbound_call' | 'portal_request' | 'appointment' | 'none';
    /** Through a break-glass case. */
    breakGlass?: true;
    /** A staff-initiated reveal (`evidence: none`): what else the watcher scored it on (flags only). */
    context?: { followUp?: true; outOfRegion?: true; offShift?: true; special?: string };
  };
  /** One customer's fields left in an approved export. */
  'customer.exported': { customerId: string; exportId: string; fields: string[] };
  'case.opened': {
    caseId: string;
    customerId: string;
    purpose: string;
    channel: string;
    assignees: string[];
    breakGlass: boolean;
    customerPresent: boolean;
  };
  'case.assigned': { caseId: string; staffId: string };
  /**
   * `resolution`: how the case ended (`resolved`, `referred`, `no_action`; absent on older entries), and
   * whether any field was revealed through it — a case opened, revealed and closed with no resolution is the
   * harvest pattern the watcher scores.
   */
  'case.closed': { caseId: string; resolution?: string; revealed?: boolean };
  /** A customer-present code verified for a case (failures are `presence_code.failed`). */
  'case.presence_checked': { caseId: string; verified: boolean };
  /**
   * A wrong (used, expired or mistyped) customer-present code given by a staff member: opening a case, on a
   * case, or with a search by national ID. Counted per staff member across cases (presence-codes.ts).
   */
  'presence_code.failed': { via: 'case_open' | 'case' | 'search'; caseId?: string };
  'presence_code.issued': { customerId: string };
  /** `withdrawn`: the review was unjustified and took the staff member's break-glass away. */
  'break_glass.reviewed': { caseId: string; staffId: string; outcome: string; withdrawn?: boolean };
  /** Security gave a staff member back the break-glass an unjustified review withdrew. */
  'break_glass.restored': { staffId: string };
  /** A request refused by policy, case state, quota or consent. */
  'access.denied': {
    action: string;
    code: string;
    customerId?: string;
    caseId?: string;
    fields?: string[];
    policies?: string[];
  };
  'consent.changed': { customerId: string; purpose: string; granted: boolean; source: string };
  'quota.set': { staffId: string; quota: string; max: number };
  'export.requested': {
    exportId: string;
    kind: string;
    purpose: string;
    customers: number;
    fields: string[];
  };
  /** One security member's decision; an approval says how many the export has now and how many it needs. */
  'export.decided': { exportId: string; approved: boolean; approvals?: number; quorum?: number };
  /** `epsilonMicro`: the differential-privacy budget an aggregate spent, in millionths of ε. */
  'export.completed': {
    exportId: string;
    records: number;
    excluded: number;
    suppressed?: number;
    epsilonMicro?: number;
  };
  /** An export's run failed part-way (`code`: the error's); the export cannot be run again. */
  'export.failed': { exportId: string; code: string };
  /** Staff asked a second person to approve revealing fields (sensitive class) through a case. */
  'reveal_approval.requested': {
    approvalId: string;
    caseId: string;
    customerId: string;
    fields: string[];
    expiresAt: number;
  };
  'reveal_approval.decided': { approvalId: string; caseId: string; approved: boolean };
  /** The requester's reveal used the approval (once); the reveal's own `customer.revealed` follows. */
  'reveal_approval.used': { approvalId: string; caseId: string; fields: string[] };
  'alert.raised': { alertId: string; kind: string; staffId: string; severity: string };
  /** `patterned`: the number continued a run of this member's recent searches (enumeration). */
  'customer.searched': {
    by: string;
    queryDigest: string;
    matches: number;
    patterned?: true;
    /** Names the search in its hits (since Step 9a; earlier hits name the search's index). */
    searchId?: string;
  };
  /** The signed-in customer read their own access history (an access too, so it is in it). */
  'customer.history_viewed': { customerId: string };
  /**
   * A search matched this customer: their masked record was shown. `searchId` names the `customer.searched`
   * entry (written in the same group commit); hits before Step 9a named its index (`search`) instead.
   */
  'customer.search_hit': { customerId: string; searchId?: string; search?: number };
  'customers.imported': { imported: number; rejected: number; firstIndex?: number };
  /**
   * A master-key rotation is about to run (written before the key file or any wrapping changes): every
   * wrapping moves from `fromVersions` to `toVersion`; `resumed` when it continues an interrupted rotation.
   */
  'keys.rotation_started': { fromVersions: number[]; toVersion: number; resumed: boolean };
  /** A master-key rotation finished: `rewrapped` data keys moved in this run, the old versions are retired. */
  'keys.rotated': { fromVersions: number[]; toVersion: number; rewrapped: number };
  'ledger.retention_applied': { olderThan: number; redacted: number };
  /** The first entry in a leaf format newer than the entries before it (written once, on upgrade). */
  'ledger.leaf_format': { version: number };
  'auth.signed_in': { accountId: string; realm: string; method: string; sessionId: string };
  'auth.sign_in_failed': { realm: string; reason: string; accountId?: string };
  /**
   * Attempts refused by the sign-in throttle, once per burst: the first refusal in a key's back-off is
   * ledgered, the rest of that back-off's refusals are not. `on`: which keys wait (`login`, `address`,
   * `clean-address`, `second-factor`); `accountId` only for a second factor (the account is known then).
   */
  'auth.sign_in_throttled': { realm: string; on: string[]; retryAfterSeconds: number; accountId?: string };
  'auth.second_factor': { accountId: string; method: string; sessionId: string };
  'auth.step_up': { accountId: string; method: string; sessionId: string };
  /** `replaced`: a re-enrolment whose new secret took the place of the confirmed one. */
  'auth.enrolled': { accountId: string; method: string; replaced?: boolean };
  /**
   * A TOTP enrolment began (written before its secret is kept); `replacing`: the account has a confirmed
   * TOTP, which keeps working until the new one is confirmed (`auth.enrolled` with `replaced`).
   */
  'auth.totp_enrolment_started': { accountId: string; sessionId: string; replacing: boolean };
  'auth.recovery_code_used': { accountId: string; remaining: number };
  'auth.signed_out': { accountId: string; sessionId: string };
  'auth.passkey_renamed': { accountId: string; credentialId: string };
  'auth.passkey_removed': { accountId: string; credentialId: string };
  /** `role` and `pending` for staff: a privileged role invited by a staff member waits for a second admin. */
  'account.invited': {
    accountId: string;
    realm: string;
    subjectId: string;
    role?: string;
    pending?: boolean;
  };
  /** A second, independent administrator approved (or refused) a privileged role. */
  'staff.role_decided': { staffId: string; role: string; requestedBy: string | null; approved: boolean };
  /** Setup ended: operator tokens can no longer make privileged staff (`how`: `completed` or `window_elapsed`). */
  'setup.closed': { how: string };
  'api_token.created': {
    tokenId: string;
    kind: string;
    ownerStaffId: string | null;
    scopes: string[];
    expiresAt: number | null;
  };
  'api_token.revoked': { tokenId: string };
  /** A quota raise above the role's default, waiting for security's approval. */
  'quota.raise_requested': { raiseId: string; staffId: string; quota: string; max: number; hours: number };
  'quota.raise_decided': { raiseId: string; staffId: string; approved: boolean };
  'account.suspended': { accountId: string; sessionsRevoked: number };
  /** A customer's portal account removed with their erasure: login index, sealed contact, factors, sessions. */
  'account.erased': { accountId: string; realm: string };
  /** An account created on first single sign-on, keyed on the identity provider's issuer and subject. */
  'account.provisioned': { accountId: string; realm: string; subjectId: string; via: string };
  'staff.role_changed': { staffId: string; accountId: string; from: string; to: string; via: string };
  /** A policy-set change proposed against the live version; `diff` is a unified line diff from it. */
  'policy.proposed': { proposalId: string; baseVersion: number; diff: string };
  /** A second admin put a proposal in force as `toVersion`. */
  'policy.approved': {
    proposalId: string;
    fromVersion: number;
    toVersion: number;
    proposedBy: string;
    diff: string;
  };
  'policy.rejected': { proposalId: string; baseVersion: number; proposedBy: string; diff: string };
  /** A message to a customer queued in the outbox (privacy/outbox): ids, channel and kind only. */
  'notification.queued': { messageId: string; customerId: string; channel: string; kind: string };
  /** The outbox delivered a message (on attempt `attempts`). */
  'notification.sent': { messageId: string; attempts: number };
  /** An attempt failed (`code`: the error's, never an address); `dead`: no attempt follows. */
  'notification.failed': { messageId: string; attempts: number; code: string; dead: boolean };
  /** The customer chose how to hear of staff reveals (privacy/notices): `immediate` or `daily`. */
  'notice.preference_set': { customerId: string; mode: string };
  /**
   * A day's reveal digest claimed for a customer (`day`: YYYY-MM-DD, China time), ahead of its queuing;
   * `sent`: false when the customer has no contact to send it to.
   */
  'notice.digest_claimed': { customerId: string; day: string; reveals: number; sent: boolean };
  /** The customer exported their own data (portability, privacy/portability): which format. */
  'customer.self_exported': { customerId: string; format: string };
  /**
   * Staff asked, through a case, for the customer to be invited to the portal by a channel: what happened
   * (`queued`, or why nothing was sent). The staff member is told only that the request was taken.
   */
  'portal_invitation.requested': { caseId: string; customerId: string; channel: string; outcome: string };
  /**
   * The insider-risk watcher moved a staff member to another tier, with the explanation it will show them:
   * each indicator's value, the baseline it was held against and its points.
   */
  'risk.tier_changed': {
    staffId: string;
    from: string;
    to: string;
    score: number;
    indicators: { indicator: string; value: number; baseline: number; points: number }[];
  };
  /**
   * A set of honey customers was seeded: how many, and a commitment (SHA-256 over a secret salt and the sorted
   * ids) that binds which ones without saying so.
   */
  'honey.committed': { setId: string; count: number; commitment: string };
  /**
   * The telephony system reported a call from the customer's number (matched through the blind index) taken by
   * `agentStaffId`: evidence that the customer started accesses through that agent's cases.
   */
  'evidence.inbound_call': { callId: string; customerId: string; agentStaffId: string };
  /** A signed-in customer asked in the portal for staff to contact them (`topic` from a closed list). */
  'portal_request.created': { requestId: string; customerId: string };
  /** A staff member took a portal request into a case: evidence the customer started it. */
  'portal_request.taken': { requestId: string; customerId: string; caseId: string };
  /** A signed-in customer booked an appointment at a site. */
  'appointment.booked': { appointmentId: string; customerId: string };
  'appointment.cancelled': { appointmentId: string; customerId: string };
  /** The watcher suspended a staff member (critical); a person must review it by `reviewDueAt`. */
  'risk.suspended': { suspensionId: string; staffId: string; reviewDueAt: number };
  /** Security reviewed an automatic suspension: `lifted` (account active, score cleared) or `confirmed`. */
  'risk.suspension_reviewed': { suspensionId: string; staffId: string; outcome: string };
  /** Security gave an alert to one of its members to triage (`assignee`: a staff id). */
  'alert.assigned': { alertId: string; staffId: string; assignee: string };
  /**
   * Security confirmed an alert (an investigation follows). `reasonSha256`: hex SHA-256 of the reason typed,
   * which stays in the alerts table: the ledger commits to it without holding staff text.
   */
  'alert.confirmed': { alertId: string; staffId: string; kind: string; reasonSha256: string };
  /** Security dismissed an alert; `falsePositive` 1 when the watch was wrong, 0 when right but not worth acting on. */
  'alert.dismissed': {
    alertId: string;
    staffId: string;
    kind: string;
    falsePositive: number;
    reasonSha256: string;
  };
  /** An investigation of the staff member an alert named, opened by confirming it. */
  'investigation.opened': { investigationId: string; alertId: string; staffId: string };
  /** A security member saw who an alert's pseudonym stands for (the reason kept in `alert_unmaskings`). */
  'staff.unmasked': { alertId: string; staffId: string; reasonSha256: string };
  /** A suspended staff account made active again. */
  'account.reinstated': { accountId: string };
  /** HR reported a staff member's leave: the account acts nothing until HR reports its end. */
  'account.on_leave': { accountId: string; sessionsRevoked: number };
  /** HR's word about a staff member (`role` for a role change), ledgered before its effect. */
  'hr.signal': { signalId: string; staffId: string; signal: string; role?: string };
  /**
   * A staff member's training recorded (LAW.md row 19) by an administrator or HR (`source`): the course and
   * dates (epoch ms) only.
   */
  'staff.training_recorded': {
    recordId: string;
    staffId: string;
    course: string;
    completedAt: number;
    expiresAt: number;
    source: string;
  };
  /** An HR signal refused (a privileged role asked for: that needs two administrators). */
  'hr.signal_refused': { staffId: string; signal: string; role: string; code: string };
  /** A recorded act that then did not happen (it failed after its entry was written). */
  'act.failed': { ref: number; code: string };
  /** Security marked a customer as a VIP or a co-worker: the keyed mark (hex), not the customer. */
  'watch.marked': { mark: string; kind: string };
  'watch.unmarked': { mark: string };
  /**
   * The watcher snapshotted its risk model after seeing `ledgerSize` entries: SHA-256 (hex) of the snapshot's
   * bytes, so a snapshot edited in the database is not trusted (the watcher replays the ledger instead).
   */
  'watch.snapshot': { snapshotId: string; ledgerSize: number; sha256: string };
  /**
   * A customer filed a request about their data (`kind`: access, export, correction, erasure, objection),
   * due by `dueAt` (ms, UTC) under `jurisdiction` (privacy/requests/deadlines.ts).
   */
  'privacy_request.filed': {
    requestId: string;
    customerId: string;
    kind: string;
    jurisdiction: string;
    dueAt: number;
  };
  /**
   * Staff decided a request: `granted` (its fulfilment is a separate act), `fulfilled`, `refused` or
   * `extended` (then `dueAt` is the new due time). The reason is sealed under the customer's key in the
   * request; here only its SHA-256 (hex).
   */
  'privacy_request.decided': {
    requestId: string;
    customerId: string;
    outcome: string;
    dueAt?: number;
    reasonSha256?: string;
  };
  /**
   * Security opened a breach incident about one staff member's accesses in [`from`, `to`] (ms): how many
   * customers they reached, and the regulator's deadline (ms) under `jurisdiction`.
   */
  'incident.opened': {
    incidentId: string;
    staffId: string;
    from: number;
    to: number;
    affected: number;
    jurisdiction: string;
    regulatorDueAt: number;
  };
}

export type EntryType = keyof EntryPayloads;

export const entryTypes = [
  'customer.created',
  'customer.viewed',
  'customer.updated',
  'customer.self_viewed',
  'customer.erased',
  'customer.erasure_refused',
  'legal_hold.placed',
  'legal_hold.lifted',
  'customer.revealed',
  'customer.exported',
  'case.opened',
  'case.assigned',
  'case.closed',
  'case.presence_checked',
  'presence_code.issued',
  'presence_code.failed',
  'break_glass.reviewed',
  'break_glass.restored',
  'access.denied',
  'consent.changed',
  'quota.set',
  'export.requested',
  'export.decided',
  'export.completed',
  'export.failed',
  'reveal_approval.requested',
  'reveal_approval.decided',
  'reveal_approval.used',
  'alert.raised',
  'customer.searched',
  'customer.search_hit',
  'customer.history_viewed',
  'customers.imported',
  'keys.rotation_started',
  'keys.rotated',
  'ledger.retention_applied',
  'ledger.leaf_format',
  'auth.signed_in',
  'auth.sign_in_failed',
  'auth.sign_in_throttled',
  'auth.second_factor',
  'auth.step_up',
  'auth.enrolled',
  'auth.totp_enrolment_started',
  'auth.recovery_code_used',
  'auth.signed_out',
  'auth.passkey_renamed',
  'auth.passkey_removed',
  'account.invited',
  'staff.role_decided',
  'setup.closed',
  'api_token.created',
  'api_token.revoked',
  'quota.raise_requested',
  'quota.raise_decided',
  'account.suspended',
  'account.erased',
  'account.provisioned',
  'staff.role_changed',
  'policy.proposed',
  'policy.approved',
  'policy.rejected',
  'notification.queued',
  'notification.sent',
  'notification.failed',
  'notice.preference_set',
  'notice.digest_claimed',
  'customer.self_exported',
  'portal_invitation.requested',
  'risk.tier_changed',
  'honey.committed',
  'evidence.inbound_call',
  'portal_request.created',
  'portal_request.taken',
  'appointment.booked',
  'appointment.cancelled',
  'risk.suspended',
  'risk.suspension_reviewed',
  'account.reinstated',
  'account.on_leave',
  'hr.signal',
  'privacy_request.filed',
  'privacy_request.decided',
  'incident.opened',
  'hr.signal_refused',
  'staff.training_recorded',
  'alert.assigned',
  'alert.confirmed',
  'alert.dismissed',
  'investigation.opened',
  'staff.unmasked',
  'act.failed',
  'watch.marked',
  'watch.unmarked',
  'watch.snapshot',
] as const satisfies readonly EntryType[];

/** An entry as appended: who did what, about whom, with the type's payload. `at` is set by the ledger. */
export interface EntryInput<T extends EntryType = EntryType> {
  type: T;
  /** `actorRef()` of who acted. */
  actor: string;
  /** The customer (or other subject) the act is about, if any. */
  subject?: string;
  data: EntryPayloads[T];
}

/** An entry as stored and hashed. */
export interface LedgerEntry<T extends EntryType = EntryType> extends EntryInput<T> {
  /** The leaf format (entry-leaf.ts): 1 before the header leaf, 2 before the per-subject chain, 3 since. */
  v: 1 | 2 | 3;
  at: number;
  /** v3: the index of the previous entry about the same subject (absent for its first, or no subject). */
  prev?: number;
}
