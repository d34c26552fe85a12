/**
 * Builds the privacy module: consents now; the customer's rights (my data, access history with proofs,
 * notifications, export, erasure, requests) are built here next.
 */
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import { createConsents } from './consents.service.ts';
import { createConsentStore } from './consents.store.ts';

export async function wirePrivacy(deps: { platform: Platform; ledger: Pick<Ledger, 'record'> }) {
  const { platform, ledger } = deps;
  return {
    consents: createConsents({
      store: createConsentStore(platform.database.db),
      ledger,
      clock: platform.clock,
    }),
  };
}

export type PrivacyModule = Awaited<ReturnType<typeof wirePrivacy>>;
