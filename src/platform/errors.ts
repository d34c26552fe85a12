/**
 * Typed errors with stable, machine-readable codes.
 *
 * Every failure a client can see is a `CustosError` whose `code` comes from the catalogue below; the HTTP
 * layer maps it to `{ error: { code, message, requestId } }` with the catalogue's status. Messages are
 * written for the client and must never carry a secret, a one-time code or personal data.
 */

export const errorCatalogue = {
  VALIDATION_FAILED: 400,
  /** Refusing a person's request, or extending its deadline, needs a stated reason. */
  REASON_REQUIRED: 400,
  BAD_REQUEST: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  SESSION_EXPIRED: 401,
  SECOND_FACTOR_REQUIRED: 401,
  STEP_UP_REQUIRED: 401,
  IDP_SECOND_FACTOR_REQUIRED: 403,
  ENROLMENT_REQUIRED: 403,
  ACCOUNT_SUSPENDED: 403,
  /** HR put the staff member on leave: no sign-in and no request until HR reports the leave's end. */
  STAFF_ON_LEAVE: 403,
  CSRF_INVALID: 403,
  INVITATION_INVALID: 400,
  FORBIDDEN: 403,
  ACCESS_DENIED: 403,
  /** The insider-risk watcher holds this staff member at `high` or `critical`: reveals wait for security. */
  RISK_HOLD: 403,
  CASE_NOT_ASSIGNED: 403,
  CASE_CLOSED: 403,
  CASE_EXPIRED: 403,
  CUSTOMER_PRESENCE_REQUIRED: 403,
  CONSENT_REQUIRED: 403,
  APPROVAL_REQUIRED: 403,
  SAME_PERSON: 403,
  TRAINING_REQUIRED: 403,
  BREAK_GLASS_WITHDRAWN: 403,
  APPROVER_NOT_INDEPENDENT: 403,
  APPROVER_COOLING_OFF: 403,
  SETUP_CLOSED: 403,
  ROLE_PENDING_APPROVAL: 403,
  CASE_NOT_FOUND: 404,
  EXPORT_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  STAFF_NOT_FOUND: 404,
  NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  PORTAL_REQUEST_NOT_FOUND: 404,
  /** No request about their data with this id (for this customer, or at all). */
  PRIVACY_REQUEST_NOT_FOUND: 404,
  APPOINTMENT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VERSION_CONFLICT: 409,
  EXPORT_NOT_PENDING: 409,
  APPROVAL_NOT_PENDING: 409,
  ALREADY_REVIEWED: 409,
  /** A security alert already confirmed or dismissed: each is decided once. */
  ALERT_ALREADY_DECIDED: 409,
  BREAK_GLASS_UNREVIEWED: 409,
  EXPORT_WAITING: 409,
  DUPLICATE_CUSTOMER: 409,
  /** The customer's data is under a legal hold: erasure waits until it is lifted (the details give the reason). */
  LEGAL_HOLD: 409,
  REQUEST_CUSTOMER_MISMATCH: 409,
  REQUEST_ALREADY_TAKEN: 409,
  REQUEST_EXPIRED: 409,
  /** A person's request already answered (fulfilled or refused), or decided concurrently. */
  PRIVACY_REQUEST_DECIDED: 409,
  /** The deadline cannot be extended: the law allows none, it was extended already, or it has passed. */
  EXTENSION_NOT_ALLOWED: 409,
  /** An erasure request is fulfilled by the erasure itself, not marked so while the data is still there. */
  ERASURE_NOT_DONE: 409,
  APPOINTMENT_NOT_BOOKED: 409,
  /** A privileged role (admin, security) is granted by two administrators, never by an HR feed. */
  ROLE_NEEDS_APPROVAL: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  POLICY_INVALID: 422,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  BREAK_GLASS_LIMIT: 429,
  EXPORT_CAP_EXCEEDED: 429,
  PRIVACY_BUDGET_EXHAUSTED: 429,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  KEYRING_UNAVAILABLE: 503,
  KEYRING_MISMATCH: 503,
  LEDGER_UNAVAILABLE: 503,
  POLICY_UNAVAILABLE: 503,
  SEALED_VALUE_INVALID: 500,
  CONFIG_INVALID: 500,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface FieldProblem {
  /** Where the problem is: a field name, a JSON path or a line number. */
  path: string;
  /** What is wrong, in words that name no personal value. */
  problem: string;
}

export class CustosError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly FieldProblem[] | undefined;
  /** For a 429: whole seconds until a retry can succeed, sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: FieldProblem[]; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CustosError';
    this.code = code;
    this.status = errorCatalogue[code];
    this.details = options.details;
    this.retryAfterSeconds =
      options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }

  /** True for errors a client caused (4xx); false for ours (5xx), whose details stay in our logs. */
  get isClientError(): boolean {
    return this.status < 500;
  }
}

export function isCustosError(value: unknown, code?: ErrorCode): value is CustosError {
  return value instanceof CustosError && (code === undefined || value.code === code);
}

/** Shorthand for a 400 that names the fields at fault. */
export function validationFailed(details: FieldProblem[]): CustosError {
  const summary = details.map((d) => `${d.path}: ${d.problem}`).join('; ');
  return new CustosError('VALIDATION_FAILED', `Invalid input (${summary})`, { details });
}
