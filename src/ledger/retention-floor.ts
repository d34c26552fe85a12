/**
 * The retention floor: no ledger entry's payload may be redacted before it is this old. `applyRetention`
 * refuses a shorter keep, and `custos verify` refuses a redaction of an entry younger than six months or not
 * covered by a `ledger.retention_applied` entry that honoured it.
 *
 * Invariant: whatever the jurisdiction or the configuration, the floor is never under `MIN_RETENTION_MS`
 * (six months): a configured floor below it is refused, not rounded up.
 */
import { CustosError } from '../platform/errors.ts';
import type { Jurisdiction } from '../platform/jurisdiction.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Cybersecurity Law art. 21(3): network logs are kept at least six months. */
export const MIN_RETENTION_MS = 183 * DAY_MS;

/**
 * The floor each jurisdiction sets for the ledger, in days. PIPL: CSL art. 21(3), six months. GDPR sets no
 * number; the CSL floor stays, since the ledger is also the organisation's network log. CCPA: the regulations
 * (11 CCR § 7101) keep records of consumers' requests 24 months, and the ledger is where they are.
 */
export const jurisdictionFloorDays: Readonly<Record<Jurisdiction, number>> = {
  PIPL: 183,
  GDPR: 183,
  CCPA: 730,
};

/**
 * The floor in force: the jurisdiction's, or a configured longer one; a configured floor under six months is
 * refused (CONFIG_INVALID), as is a jurisdiction's below it.
 *
 * @example retentionFloorMs('CCPA') === 730 * 86_400_000; retentionFloorMs('PIPL', 400) === 400 * 86_400_000
 */
export function retentionFloorMs(jurisdiction: Jurisdiction, configuredDays?: number): number {
  const days = Math.max(jurisdictionFloorDays[jurisdiction], configuredDays ?? 0);
  const floor = days * DAY_MS;
  if (
    !(floor >= MIN_RETENTION_MS) ||
    (configuredDays !== undefined && configuredDays * DAY_MS < MIN_RETENTION_MS)
  ) {
    throw new CustosError(
      'CONFIG_INVALID',
      'The ledger retention floor must be at least six months (CSL art. 21)',
    );
  }
  return floor;
}
