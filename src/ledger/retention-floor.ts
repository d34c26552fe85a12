/**
 * The retention floor: no ledger entry's payload may be redacted before it is this old. `applyRetention`
 * refuses a shorter keep, and `custos verify` refuses a redaction of an entry younger than this or not
 * covered by a `ledger.retention_applied` entry that honoured it.
 */

/** Cybersecurity Law art. 21(3): network logs are kept at least six months. */
export const MIN_RETENTION_MS = 183 * 24 * 3600 * 1000;
