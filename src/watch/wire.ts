/**
 * Builds the watch module: security alerts now; the insider-risk watcher (indicators, scores, tiers,
 * containment, honey records) is built here next.
 */
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import { createAlerts } from './alerts.service.ts';
import { createAlertStore } from './alerts.store.ts';

export async function wireWatch(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'append'>;
  /** Access's decision on a security act (alerts are read by security, by policy). */
  authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
}) {
  const { platform, ledger, authorize } = deps;
  return {
    alerts: createAlerts({
      store: createAlertStore(platform.database.db),
      authorize,
      ledger,
      bus: platform.bus,
      clock: platform.clock,
    }),
  };
}

export type WatchModule = Awaited<ReturnType<typeof wireWatch>>;
