/**
 * The one Kysely `Database` interface: every table Custos stores, for both dialects.
 *
 * Timestamps are epoch milliseconds (bigint in PostgreSQL, integer in SQLite); binary values are Buffers
 * (bytea / blob). Only `*.store.ts` files use these types to touch SQL.
 */
export interface CustomersTable {
  id: string;
  /** Optimistic-concurrency counter, bumped on every update. */
  version: number;
  /** Sealed fields: AES-256-GCM under the customer's data key; null when the field is empty. */
  name_sealed: Buffer | null;
  phone_sealed: Buffer | null;
  email_sealed: Buffer | null;
  account_id_sealed: Buffer | null;
  national_id_sealed: Buffer | null;
  address_sealed: Buffer | null;
  birth_date_sealed: Buffer | null;
  attributes_sealed: Buffer | null;
  /** The masked view, sealed too: showing it never decrypts a real field. */
  masked_sealed: Buffer;
  /** Blind indexes (truncated HMAC-SHA-256 of the normalised value) for exact-match search. */
  phone_bidx: Buffer | null;
  email_bidx: Buffer | null;
  account_id_bidx: Buffer | null;
  national_id_bidx: Buffer | null;
  created_at: number;
  updated_at: number;
}

export interface CustomerKeysTable {
  customer_id: string;
  /** Version of the data key itself (bound into every field's AAD). */
  dek_version: number;
  /** Version of the master key (KEK) that wraps it. */
  kek_version: number;
  /** The customer's shred group and the version of its key that wraps the DEK inside; null: not grouped yet. */
  shred_group: number | null;
  group_version: number | null;
  wrapped: Buffer;
  created_at: number;
}

/** A shred group whose key an erasure must replace: deleted once `from_version` is gone from the key file. */
export interface ShredRekeysTable {
  id: string;
  shred_group: number;
  from_version: number;
  requested_at: number;
}

/** A customer's data held for legal reasons: erasure is refused while it lasts. */
export interface LegalHoldsTable {
  customer_id: string;
  /** The stated reason, sealed under the customer's key. */
  reason_sealed: Buffer;
  placed_by: string;
  placed_at: number;
}

export interface KeyringSecretsTable {
  name: string;
  kek_version: number;
  wrapped: Buffer;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  label: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: Buffer;
  created_at: number;
  revoked_at: number | null;
  /** The staff member the token acts for; null for an operator's token (setup, `custos token create`). */
  owner_staff_id: string | null;
  /** `operator` or `staff`. */
  kind: string;
  /** Space-separated scopes. */
  scopes: string;
  expires_at: number | null;
}

export interface StaffTable {
  id: string;
  display_name: string;
  email: string;
  role: string;
  region: string;
  site: string;
  manager_id: string | null;
  shift: string;
  status: string;
  created_at: number;
  /** Who invited this staff member (a staff id); null for the operator, the IdP or the demo organisation. */
  invited_by: string | null;
  /** The second administrator who approved a privileged role, if one had to. */
  role_approved_by: string | null;
  /** When the current role was granted (null: at `created_at`). */
  role_granted_at: number | null;
}

export interface LedgerEntriesTable {
  /** Position in the log: leaf index of the Merkle tree. */
  idx: number;
  at: number;
  type: string;
  actor: string;
  /** The customer (or other subject) the entry is about, for "who accessed my data" lookups. */
  subject: string | null;
  /** Canonical entry bytes; null once redacted by retention (the leaf hash stays in the tiles). */
  entry: Buffer | null;
  redacted_at: number | null;
  /** The leaf format (ledger/entry-leaf.ts): 1 = the leaf hashes the entry, 2 and 3 = it hashes the header. */
  leaf_version: number;
  /** v2: SHA-256 of the canonical payload, kept after redaction so the header stays checkable. */
  payload_hash: Buffer | null;
  /** v3: the previous entry about the same subject (part of the header); null when none. */
  prev: number | null;
}

export interface LedgerTilesTable {
  /** Tile level L: holds hashes of tree level 8·L. */
  level: number;
  idx: number;
  /** Concatenated 32-byte hashes, 1 to 256 of them. */
  hashes: Buffer;
}

export interface LedgerCheckpointsTable {
  size: number;
  root: Buffer;
  /** The signed checkpoint note, with any witness cosignatures. */
  note: string;
  created_at: number;
}

export interface AccountsTable {
  id: string;
  /** `staff` or `customer`: the two realms never share a session. */
  realm: string;
  /** The staff member or customer this account signs in as. */
  subject_id: string;
  /**
   * Unique per realm. Staff: the normalised email. Customers: `bidx1:` and the keyed blind index of the
   * normalised email or E.164 phone — never the contact itself.
   */
  login: string;
  /** Staff: their name. Customers: empty (the contact is in `display_sealed`). */
  display_name: string;
  /** Customers: the login's contact, sealed under the customer's own key (field `portal_login`). */
  display_sealed: Buffer | null;
  /** argon2id; null until an invitation is accepted. */
  password_hash: string | null;
  /** `invited`, `active`, `suspended`, `offboarded`. */
  status: string;
  /** When a second factor was first confirmed; nothing works before it. */
  enrolled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface InvitationsTable {
  token_hash: Buffer;
  account_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface TotpCredentialsTable {
  account_id: string;
  /** The shared secret, sealed by the keyring. */
  secret_sealed: Buffer;
  /** The last time step accepted: a code of that step or older is a replay. */
  last_step: number;
  confirmed_at: number | null;
  created_at: number;
  /** A re-enrolment's new secret, sealed, waiting for its first code; the confirmed one works meanwhile. */
  pending_secret_sealed: Buffer | null;
  pending_created_at: number | null;
}

export interface RecoveryCodesTable {
  account_id: string;
  idx: number;
  code_hash: Buffer;
  used_at: number | null;
}

export interface PasskeysTable {
  credential_id: string;
  account_id: string;
  public_key: Buffer;
  counter: number;
  /** JSON array of transports. */
  transports: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 of the session token; the token itself is only ever in the client's hands. */
  token_hash: Buffer;
  /** A public handle for listing and revoking sessions. */
  id: string;
  account_id: string;
  realm: string;
  csrf_hash: Buffer;
  created_at: number;
  last_seen_at: number;
  /** Absolute end (one shift for staff). */
  expires_at: number;
  /** When the second factor was completed in this session; null: password only so far. */
  second_factor_at: number | null;
  /** When the last step-up assertion was made. */
  step_up_at: number | null;
  revoked_at: number | null;
}

export interface AuthThrottleTable {
  /** The throttle key under HMAC (`sign_in_throttle`): no login or address in clear. */
  key: string;
  failures: number;
  next_allowed_at: number;
  /** The `next_allowed_at` whose refusals are already ledgered (one entry per burst); null: none yet. */
  reported_until: number | null;
}

export interface AuthChallengesTable {
  /** SHA-256 of the random handle the client holds; the handle itself is never stored. */
  id: Buffer;
  /** What the record is for, e.g. `passkey.sign_in` or `oidc`; a record is taken only for its purpose. */
  purpose: string;
  /** JSON: what the ceremony must remember (a challenge, a PKCE verifier…). */
  data: string;
  created_at: number;
  expires_at: number;
  /** Set once, when the record is taken; a used record is worth nothing. */
  used_at: number | null;
}

export interface SsoIdentitiesTable {
  /** The identity provider's issuer identifier. */
  issuer: string;
  /** The provider's stable subject (`sub`) for the person. */
  subject: string;
  /** The staff account this identity signs in as (one identity per account). */
  account_id: string;
  created_at: number;
  last_sign_in_at: number;
}

export interface PolicyVersionsTable {
  /** 1 for the default set installed at first start; the highest version is in force. */
  version: number;
  /** Cedar policy text, validated against the schema before it was stored. */
  text: string;
  /** The proposal this version came from; null for the default set. */
  proposal_id: string | null;
  /** `actorRef` of the second admin who approved it; null for the default set. */
  approved_by: string | null;
  created_at: number;
}

export interface PolicyProposalsTable {
  id: string;
  /** The live version the proposal was written against; it can only replace that version. */
  base_version: number;
  text: string;
  /** `actorRef` of the proposing admin. */
  proposed_by: string;
  proposed_at: number;
  /** `pending`, `approved` or `rejected`. */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
  /** The version it became, once approved. */
  version: number | null;
}

/** One row: a counter per watched table, bumped by triggers on its writes (platform/cache/change-versions.ts). */
export interface ChangeVersionsTable {
  id: number;
  sessions: number;
  accounts: number;
  staff: number;
  cases: number;
  case_assignees: number;
  quota_overrides: number;
  policy_versions: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface CasesTable {
  id: string;
  customer_id: string;
  purpose: string;
  channel: string;
  /** `open` or `closed`; an open case past `expires_at` grants nothing. */
  status: string;
  /** 1 for an emergency access without a case of the usual kind (break-glass), else 0. */
  break_glass: number;
  /** Break-glass reason, sealed under the customer's key. */
  reason_sealed: Buffer | null;
  opened_by: string;
  opened_at: number;
  expires_at: number;
  closed_at: number | null;
  closed_by: string | null;
  /** When a customer-present code was verified for this case. */
  customer_present_at: number | null;
  presence_failures: number;
  /** Break-glass only: when the review by security is due, and its outcome. */
  review_due_at: number | null;
  reviewed_at: number | null;
  reviewed_by: string | null;
  review_outcome: string | null;
  /** Break-glass only: when the alert for an overdue review was raised (one per case). */
  review_alerted_at: number | null;
}

export interface CaseAssigneesTable {
  case_id: string;
  staff_id: string;
  assigned_by: string;
  assigned_at: number;
}

export interface PresenceCodesTable {
  customer_id: string;
  /** SHA-256 of the one-time code the customer reads out. */
  code_hash: Buffer;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface QuotaOverridesTable {
  staff_id: string;
  /** e.g. `reveal_day`, `search_hour`. */
  quota: string;
  max: number;
  set_by: string;
  set_at: number;
  /** When an approved raise above the role's default ends (null: no end, a limit at or below the default). */
  expires_at: number | null;
}

export interface ConsentsTable {
  customer_id: string;
  purpose: string;
  /** 1 granted, 0 refused or withdrawn. No row: never asked, which counts as refused. */
  granted: number;
  source: string;
  updated_by: string;
  updated_at: number;
}

/** A customer's choice of how to hear of staff reveals (privacy/notices); no row: `immediate`. */
export interface NoticePreferencesTable {
  customer_id: string;
  /** `immediate` or `daily`. */
  mode: string;
  updated_at: number;
}

/** A staff reveal as its customer is told of it: field names, no values; role and site, no name. */
export interface RevealNoticesTable {
  reveal_id: string;
  customer_id: string;
  /** The revealed field names, as a JSON array. */
  fields: string;
  purpose: string;
  staff_role: string;
  staff_site: string;
  revealed_at: number;
  /** The customer's day of the reveal (YYYY-MM-DD, China time): what a digest groups by. */
  day: string;
  /** The mode in force when the reveal was noticed: `immediate` or `daily`. */
  mode: string;
  /** The outbox message that told the customer; null: a digest has not yet been sent. */
  message_id: string | null;
}

/** One digest per customer and day, claimed before it is queued (a restart does not send it twice). */
export interface RevealDigestsTable {
  customer_id: string;
  day: string;
  message_id: string | null;
  created_at: number;
}

export interface ExportsTable {
  id: string;
  /** `records` or `aggregate`. */
  kind: string;
  purpose: string;
  requested_by: string;
  /** JSON: what was asked for (customer ids and fields, or aggregate dimensions). */
  spec: string;
  /** `pending`, `approved`, `rejected`, `completed`. */
  status: string;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  completed_at: number | null;
  result_count: number | null;
  /** A large export: the earliest time it may run (its quorum plus the waiting period); else null. */
  runnable_after: number | null;
}

/** One security member's approval of an export (a large export needs a quorum of them). */
export interface ExportApprovalsTable {
  export_id: string;
  approver_id: string;
  approved_at: number;
}

/** What one requester was released by an aggregate and the privacy budget it spent. */
export interface AggregateReleasesTable {
  export_id: string;
  requested_by: string;
  /** ε spent, in millionths (integers add up exactly). */
  epsilon_micro: number;
  released_at: number;
  /** JSON array of the dimensions grouped by. */
  dimensions: string;
  /** JSON of the released (noisy, k-suppressed) groups; null until the run completes. */
  groups: string | null;
}

/** A staff member whose break-glass was withdrawn by an unjustified review, until security restores it. */
export interface BreakGlassWithdrawalsTable {
  staff_id: string;
  /** The break-glass case reviewed unjustified. */
  case_id: string;
  withdrawn_by: string;
  withdrawn_at: number;
}

export interface RevealApprovalsTable {
  id: string;
  case_id: string;
  customer_id: string;
  /** The case's purpose when the approval was asked for. */
  purpose: string;
  requested_by: string;
  /** JSON array of field names the approval covers. */
  fields: string;
  /** The asker's reason, sealed under the customer's key. */
  reason_sealed: Buffer;
  /** `pending`, `approved`, `rejected`, `used`. */
  status: string;
  created_at: number;
  expires_at: number;
  decided_by: string | null;
  decided_at: number | null;
  used_at: number | null;
}

export interface AlertsTable {
  id: string;
  kind: string;
  severity: string;
  staff_id: string;
  subject: string | null;
  /** JSON with ids and counts only, never personal data. */
  data: string;
  created_at: number;
  /** When the alert was decided (confirmed or dismissed), and by whom. */
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  /** `open`, `assigned`, `confirmed` or `dismissed`. */
  status: string;
  /** The security member triaging it. */
  assignee: string | null;
  /** What the decider typed (staff text about staff, never about a customer). */
  reason: string | null;
  /** A dismissal: 1 when the watch was wrong, 0 when not worth acting on; null otherwise. */
  false_positive: number | null;
  /** A `risk_tier` alert's top indicator, kept when it is decided (for the watcher's feedback). */
  indicator: string | null;
}

/** A security member saw who an alert's pseudonym stands for, and why. */
export interface AlertUnmaskingsTable {
  id: string;
  alert_id: string;
  staff_id: string;
  unmasked_by: string;
  unmasked_at: number;
  reason: string;
}

/** An investigation of a staff member, opened by confirming an alert about them. */
export interface InvestigationsTable {
  id: string;
  alert_id: string;
  staff_id: string;
  opened_by: string;
  opened_at: number;
  /** `open` (closing one is a later step). */
  status: string;
}

/** Messages to customers (privacy/outbox): ids and sealed blobs, no contact or token in plaintext. */
export interface OutboxMessagesTable {
  id: string;
  customer_id: string;
  /** `email` or `sms`. */
  channel: string;
  /** `portal_invitation`, `contact_changed`, … */
  kind: string;
  /** The address sealed under the customer's key; null: the contact on file at send time. */
  recipient_sealed: Buffer | null;
  /** The message's parameters (JSON) sealed under the customer's key. */
  params_sealed: Buffer | null;
  /** `pending`, `sent` or `dead`. */
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** The last failure's error code. */
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A suspension the watcher made, and its review by a person. */
export interface RiskSuspensionsTable {
  id: string;
  staff_id: string;
  suspended_at: number;
  review_due_at: number;
  reviewed_at: number | null;
  reviewed_by: string | null;
  /** `lifted` or `confirmed`; null until reviewed. */
  outcome: string | null;
  reason: string | null;
  overdue_alerted_at: number | null;
}

/** A call the telephony system reported, matched to a customer by the caller's number, taken by an agent. */
export interface InboundCallsTable {
  id: string;
  customer_id: string;
  agent_staff_id: string;
  at: number;
  /** The integration token that reported it. */
  reported_by: string;
}

/** A customer's request from the portal; `case_id` set once staff took it into a case (at most one). */
export interface PortalRequestsTable {
  id: string;
  customer_id: string;
  topic: string;
  /** The site it is addressed to; null: any site. */
  site: string | null;
  /** The customer's note, sealed under their key (base64). */
  note_sealed: string | null;
  created_at: number;
  expires_at: number;
  case_id: string | null;
  taken_by: string | null;
  taken_at: number | null;
}

/** An appointment a customer booked at a site; cancelled ones explain nothing. */
export interface AppointmentsTable {
  id: string;
  customer_id: string;
  site: string;
  starts_at: number;
  booked_at: number;
  cancelled_at: number | null;
}

/** What the HR system reported about a staff member, as accepted. */
export interface HrSignalsTable {
  id: string;
  staff_id: string;
  /** `hired`, `resignation_notice`, `leave_start`, `leave_end`, `termination` or `role_change`. */
  signal: string;
  /** The new role of a `role_change`; null otherwise. */
  role: string | null;
  /** When HR says it took effect (epoch ms); the time it was received when HR gave none. */
  effective_at: number;
  received_at: number;
}

/** A staff member's completed training course (LAW.md row 19). */
export interface StaffTrainingTable {
  id: string;
  staff_id: string;
  /** The course, e.g. `data_protection`. */
  course: string;
  completed_at: number;
  expires_at: number;
  /** `admin` (recorded over HTTP) or `hr` (HR's integration). */
  source: string;
  recorded_at: number;
}

/** A honey customer's keyed mark (HMAC of its id): the table alone does not say which customers are honey. */
export interface HoneyMarksTable {
  mark: Buffer;
}

/** A customer an insider is curious about (`vip`, `coworker`), by keyed mark: the table alone names nobody. */
export interface WatchMarksTable {
  mark: Buffer;
  kind: string;
  created_at: number;
}

/** A snapshot of the watcher's risk model; `ledger_size` is how much of the ledger it had seen. */
export interface WatchSnapshotsTable {
  id: string;
  at: number;
  ledger_size: number;
  state: Buffer;
}

/** A seeded honey set's commitment (SHA-256 of the salt and the sorted ids), also written to the ledger. */
export interface HoneyCommitmentsTable {
  id: string;
  created_at: number;
  count: number;
  salt: Buffer;
  commitment: Buffer;
}

export interface Database {
  customers: CustomersTable;
  customer_keys: CustomerKeysTable;
  shred_rekeys: ShredRekeysTable;
  legal_holds: LegalHoldsTable;
  keyring_secrets: KeyringSecretsTable;
  api_tokens: ApiTokensTable;
  staff: StaffTable;
  meta: MetaTable;
  ledger_entries: LedgerEntriesTable;
  ledger_tiles: LedgerTilesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  accounts: AccountsTable;
  invitations: InvitationsTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  sessions: SessionsTable;
  auth_throttle: AuthThrottleTable;
  cases: CasesTable;
  case_assignees: CaseAssigneesTable;
  presence_codes: PresenceCodesTable;
  quota_overrides: QuotaOverridesTable;
  consents: ConsentsTable;
  exports: ExportsTable;
  reveal_approvals: RevealApprovalsTable;
  alerts: AlertsTable;
  auth_challenges: AuthChallengesTable;
  sso_identities: SsoIdentitiesTable;
  policy_versions: PolicyVersionsTable;
  policy_proposals: PolicyProposalsTable;
  outbox_messages: OutboxMessagesTable;
  break_glass_withdrawals: BreakGlassWithdrawalsTable;
  export_approvals: ExportApprovalsTable;
  aggregate_releases: AggregateReleasesTable;
  honey_marks: HoneyMarksTable;
  watch_marks: WatchMarksTable;
  watch_snapshots: WatchSnapshotsTable;
  inbound_calls: InboundCallsTable;
  portal_requests: PortalRequestsTable;
  appointments: AppointmentsTable;
  hr_signals: HrSignalsTable;
  risk_suspensions: RiskSuspensionsTable;
  investigations: InvestigationsTable;
  alert_unmaskings: AlertUnmaskingsTable;
  honey_commitments: HoneyCommitmentsTable;
  quota_raises: QuotaRaisesTable;
  announcements: AnnouncementsTable;
  notice_preferences: NoticePreferencesTable;
  reveal_notices: RevealNoticesTable;
  reveal_digests: RevealDigestsTable;
  privacy_requests: PrivacyRequestsTable;
  incidents: IncidentsTable;
  staff_training: StaffTrainingTable;
  change_versions: ChangeVersionsTable;
}

/** A person's request about their data (privacy/requests/), due by `due_at` under its jurisdiction. */
export interface PrivacyRequestsTable {
  id: string;
  customer_id: string;
  kind: string;
  jurisdiction: string;
  /** open, extended, granted, fulfilled or refused. */
  status: string;
  filed_at: number;
  due_at: number;
  /** When the deadline was extended (once at most); null: never. */
  extended_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  /** The decider's reason (refusal, extension), sealed under the customer's key (base64). */
  reason_sealed: string | null;
  /** When security was alerted that the request is overdue (once). */
  overdue_alerted_at: number | null;
}

/** A breach incident about one staff member's accesses (compliance/); the customers are in the ledger. */
export interface IncidentsTable {
  id: string;
  staff_id: string;
  from_at: number;
  to_at: number;
  known_at: number;
  jurisdiction: string;
  affected: number;
  opened_by: string;
}

export interface QuotaRaisesTable {
  id: string;
  staff_id: string;
  quota: string;
  max: number;
  hours: number;
  requested_by: string;
  /** `pending`, `approved`, `rejected`. */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
}

export interface AnnouncementsTable {
  id: string;
  /** The role the announcement is for (the approving role). */
  role: string;
  kind: string;
  subject_id: string;
  requested_by: string | null;
  decided_by: string;
  created_at: number;
}
