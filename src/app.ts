/**
 * The composition root: the one place that builds every service from config, in dependency order.
 * Nothing else constructs services; tests build a whole Custos through `createCustos` too.
 *
 * Building a Custos opens the database, brings the schema up to date, loads the keyring and the ledger's
 * tree edge: a Custos that exists is ready to serve. `initialise()` adds what only a new installation needs
 * (the first admin token, the demo organisation); `start()` begins background work (checkpoints).
 */
import { mkdirSync } from 'node:fs';
import { wirePolicies } from './access/policy/wire.ts';
import { wireAccess } from './access/wire.ts';
import { wireCrypto } from './crypto/wire.ts';
import { seedDemoOrganisation } from './demo/demo-organisation.ts';
import { wireIdentity } from './identity/wire.ts';
import { wireLedger } from './ledger/wire.ts';
import { createInProcessBus } from './platform/bus.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import { type DatabaseOptions, openDatabase } from './platform/database/database.ts';
import { createMetaStore } from './platform/database/meta.store.ts';
import { migrateToLatest } from './platform/database/migrate.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { runEvery } from './platform/periodic.ts';
import type { ImportSummary } from './vault/import/importer.ts';
import { wireVault } from './vault/wire.ts';

/** How soon a policy set approved on another API node is in force on this one. */
const POLICY_REFRESH_MS = 5000;
/** How often overdue break-glass reviews are looked for (each raises its alert once). */
const REVIEW_ALERTS_MS = 60_000;

export interface CustosOptions {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseOptions;
}

export interface InitialiseResult {
  /** True when this call initialised a new installation. */
  created: boolean;
  /** The first admin API token: shown once, stored only as a hash. */
  adminToken?: string;
  demo?: { staff: number; customers: ImportSummary };
}

export async function createCustos(config: Readonly<Config>, options: CustosOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.databaseUrl, options.database);
  try {
    await migrateToLatest(database);
    const bus = createInProcessBus({
      now: clock.now,
      onHandlerError: (error) => logger.error({ err: error }, 'event handler failed'),
    });
    const meta = createMetaStore(database.db);
    const { kek, keyring } = wireCrypto(config, database, clock);
    await keyring.initialise();
    await keyring.load();
    const { ledger, ledgerStore } = await wireLedger(config, database, clock, logger);
    const { vault, importer } = wireVault({ database, keyring, ledger, bus, clock });
    const identity = wireIdentity({
      db: database.db,
      clock,
      keyring,
      ledger,
      config,
      logger,
      customers: vault,
    });
    const { policyEngine, policies } = await wirePolicies({ database, ledger, clock });
    let stopPolicyRefresh: (() => void) | undefined;
    let stopReviewAlerts: (() => void) | undefined;
    const access = wireAccess({
      db: database.db,
      policy: policyEngine,
      vault,
      keyring,
      staff: identity.staff,
      sessions: identity.sessions,
      accounts: identity.accounts,
      ledger,
      bus,
      clock,
    });

    return {
      config,
      clock,
      logger,
      database,
      bus,
      kek,
      keyring,
      ledger,
      ledgerStore,
      vault,
      importer,
      policyEngine,
      policies,
      ...identity,
      policy: policyEngine,
      access,

      /**
       * On a new installation: the first admin token and (if configured) the demo organisation. Safe to
       * call on every start: it does nothing once the installation is initialised.
       */
      async initialise(progress?: (summary: ImportSummary) => void): Promise<InitialiseResult> {
        if (await meta.get('initialised_at')) return { created: false };
        const { token } = await identity.apiTokens.create('initial admin token');
        const result: InitialiseResult = { created: true, adminToken: token };
        if (config.demo && !(await meta.get('demo_seeded_at'))) {
          result.demo = await seedDemoOrganisation(
            { importer, staff: identity.staff, clock },
            { customers: config.demoCustomers, onBatch: progress },
          );
          await meta.setOnce('demo_seeded_at', new Date(clock.now()).toISOString());
        }
        await meta.setOnce('initialised_at', new Date(clock.now()).toISOString());
        return result;
      },

      /**
       * Begin background work: signed checkpoints while entries arrive; picking up policy sets approved on
       * other nodes; alerting security to break-glass reviews gone overdue.
       */
      start(): void {
        ledger.start();
        stopPolicyRefresh ??= policies.refreshEvery(POLICY_REFRESH_MS, (error) =>
          logger.warn({ err: error }, 'policy set not refreshed'),
        );
        stopReviewAlerts ??= runEvery(
          REVIEW_ALERTS_MS,
          () => access.breakGlass.raiseOverdueAlerts(),
          (error) => logger.warn({ err: error }, 'overdue break-glass reviews not alerted'),
        );
      },

      async close(): Promise<void> {
        stopPolicyRefresh?.();
        stopReviewAlerts?.();
        await ledger.close();
        await bus.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export type Custos = Awaited<ReturnType<typeof createCustos>>;
