/**
 * Builds the watch module: security alerts and their triage (staff pseudonymised in security views), the
 * insider-risk watcher (risk model, tiers, containment) that
 * follows every access decision on the bus, honey records, and the review of automatic suspensions.
 */
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Actor } from '../platform/actor.ts';
import type { Platform } from '../platform/platform.ts';
import type { VaultService } from '../vault/vault.service.ts';
import { createAlerts } from './alerts.service.ts';
import { createAlertStore } from './alerts.store.ts';
import { createSnapshots } from './snapshots/snapshots.service.ts';
import { createSnapshotStore } from './snapshots/snapshots.store.ts';
import { createMarks } from './marks/marks.service.ts';
import { createMarkStore } from './marks/marks.store.ts';
import { createHoney } from './honey/honey.service.ts';
import { createPseudonyms } from './pseudonyms.ts';
import { createHoneyStore } from './honey/honey.store.ts';
import { createRiskModel, type RiskSettings } from './risk/risk-model.ts';
import { type Indicator, indicators } from './risk/risk.types.ts';
import { createSuspensions } from './suspensions/suspensions.service.ts';
import { createSuspensionStore } from './suspensions/suspensions.store.ts';
import { createTriage } from './triage/triage.service.ts';
import { createWatcher } from './watcher.service.ts';

export async function wireWatch(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'append' | 'record' | 'replay' | 'entriesByActorSince' | 'size'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  keyring: Pick<Keyring, 'blindIndex'>;
  vault: Pick<VaultService, 'createCustomer' | 'exists'>;
  /** Access's decision on a security act (alerts are read and triaged by security, by policy). */
  authorize: (p: StaffPrincipal, action: 'alert_read' | 'alert_triage') => Promise<void>;
  /** Identity's containment: suspend a staff member's account, ending every session. */
  suspendStaff: (staffId: string) => Promise<unknown>;
  /** Identity: a lifted suspension makes the account active again. */
  reinstateStaff: (by: Actor, staffId: string) => Promise<void>;
  /** The staff directory's role for a staff member (for peer baselines when replaying the ledger). */
  roleOf: (staffId: string) => Promise<string | undefined>;
  /** The staff directory's role and name for a staff member (triage: assignees, unmasking). */
  staffMember: (
    staffId: string,
  ) => Promise<{ role: string; displayName: string; status: string } | undefined>;
  /** Days of ledger the watcher replays at start (default 28: baselines remember about ten days). */
  replayDays?: number;
  risk?: Partial<RiskSettings>;
}) {
  const { platform, ledger, authorize } = deps;
  const pseudonyms = createPseudonyms({
    keyring: deps.keyring,
    enabled: platform.config.securityPseudonyms,
    isStaff: async (id) => (await deps.roleOf(id)) !== undefined,
  });
  const alertStore = createAlertStore(platform.database.db);
  const alerts = createAlerts({
    store: alertStore,
    authorize,
    pseudonyms,
    ledger,
    bus: platform.bus,
    clock: platform.clock,
  });
  const honey = createHoney({
    store: createHoneyStore(platform.database.db),
    keyring: deps.keyring,
    vault: deps.vault,
    ledger,
    clock: platform.clock,
  });
  await honey.load();
  const marks = createMarks({
    store: createMarkStore(platform.database.db),
    keyring: deps.keyring,
    ledger,
    sessions: deps.sessions,
    authorize,
    customerExists: (customerId) => deps.vault.exists(customerId),
    clock: platform.clock,
  });
  await marks.load();
  const suspensions = createSuspensions({
    store: createSuspensionStore(platform.database.db),
    ledger,
    alerts,
    sessions: deps.sessions,
    authorize,
    pseudonyms,
    reinstate: deps.reinstateStaff,
    forgive: (staffId, at) => watcher.forgive(staffId, at),
    clock: platform.clock,
  });
  const watcher = createWatcher({
    isHoney: honey.isHoney,
    model: createRiskModel(deps.risk),
    bus: platform.bus,
    ledger,
    alerts,
    suspend: deps.suspendStaff,
    suspended: (staffId) => suspensions.opened(staffId),
    clock: platform.clock,
    logger: platform.logger,
  });
  const triage = createTriage({
    store: alertStore,
    ledger,
    sessions: deps.sessions,
    authorize,
    pseudonyms,
    staffMember: deps.staffMember,
    bus: platform.bus,
    clock: platform.clock,
  });
  // Security's verdicts tune the watcher: an indicator whose alerts are dismissed as false positives earns less.
  const tune = async () => {
    for (const f of await alerts.feedback())
      if (f.indicator !== undefined && (indicators as readonly string[]).includes(f.indicator))
        watcher.dampen(f.indicator as Indicator, f.suggestedFactor);
  };
  const snapshots = createSnapshots({
    store: createSnapshotStore(platform.database.db),
    ledger,
    watcher,
    clock: platform.clock,
    logger: platform.logger,
  });
  const replayDays = deps.replayDays ?? 28;
  const fromIndex = await snapshots.restore(replayDays * 86_400_000);
  await tune();
  platform.bus.subscribe('alert.triaged', () =>
    tune().catch((error: unknown) => platform.logger.error({ err: error }, 'watcher: tuning failed')),
  );
  await watcher.rebuild(ledger, deps.roleOf, replayDays, fromIndex);
  return { alerts, watcher, honey, suspensions, marks, triage, pseudonyms, snapshots };
}

export type WatchModule = Awaited<ReturnType<typeof wireWatch>>;
