/**
 * The law an installation answers to (`CUSTOS_JURISDICTION`): it sets how long people's requests may take
 * (privacy/requests/deadlines.ts), how long the ledger is kept at least (ledger/retention-floor.ts) and when
 * a breach must be notified (compliance/). One installation, one jurisdiction: an organisation under two runs
 * the stricter, or two installations.
 */
export const jurisdictions = ['PIPL', 'GDPR', 'CCPA'] as const;
export type Jurisdiction = (typeof jurisdictions)[number];

export function isJurisdiction(value: unknown): value is Jurisdiction {
  return typeof value === 'string' && (jurisdictions as readonly string[]).includes(value);
}
