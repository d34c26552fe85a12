/**
 * The composition root: the one place that builds every service from config, in dependency order.
 * Nothing else constructs services; tests build a whole Custos through `createCustos` too.
 */
import { mkdirSync } from 'node:fs';
import { wireCrypto } from './crypto/wire.ts';
import { seedDemoOrganisation } from './demo/demo-organisation.ts';
import { wireIdentity } from './identity/wire.ts';
import { createInProcessBus } from './platform/bus.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import { type DatabaseOptions, openDatabase } from './platform/database/database.ts';
import { createMetaStore } from './platform/database/meta.store.ts';
import { migrateToLatest } from './platform/database/migrate.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import type { ImportSummary } from './vault/import/importer.ts';
import { wireVault } from './vault/wire.ts';

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

export function createCustos(config: Readonly<Config>, options: CustosOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  if (config.databaseUrl.startsWith('sqlite:') || !config.masterKey)
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.databaseUrl, options.database);
  const bus = createInProcessBus({
    now: clock.now,
    onHandlerError: (error) => logger.error({ err: error }, 'event handler failed'),
  });
  const meta = createMetaStore(database.db);
  const { kek, keyring } = wireCrypto(config, database, clock);
  const identity = wireIdentity({ db: database.db, clock });
  const { vault, importer } = wireVault({ database, keyring, bus, clock });

  return {
    config,
    clock,
    logger,
    database,
    bus,
    kek,
    keyring,
    vault,
    importer,
    ...identity,

    /**
     * Bring the installation up: schema, keyring secrets, and on a new installation the first admin token
     * and (if configured) the demo organisation. Safe to call on every start.
     */
    async initialise(progress?: (summary: ImportSummary) => void): Promise<InitialiseResult> {
      await migrateToLatest(database);
      await keyring.initialise();
      await keyring.load();
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

    async close(): Promise<void> {
      await bus.close();
      await database.close();
    },
  };
}

export type Custos = ReturnType<typeof createCustos>;
