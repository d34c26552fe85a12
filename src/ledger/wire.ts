/** Builds the ledger from config: its signing key (created on first start), store and service. */
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle } from '../platform/database/database.ts';
import type { Logger } from '../platform/logger.ts';
import { createLedgerKeyFile, loadLedgerKey } from './ledger-key.ts';
import { createLedger } from './ledger.service.ts';
import { createLedgerStore } from './ledger.store.ts';

export async function wireLedger(
  config: Pick<Config, 'ledgerOrigin' | 'ledgerKeyFile' | 'checkpointIntervalMs'>,
  database: DatabaseHandle,
  clock: Clock,
  logger: Logger,
) {
  createLedgerKeyFile(config.ledgerKeyFile, config.ledgerOrigin);
  const key = loadLedgerKey(config.ledgerKeyFile, config.ledgerOrigin);
  const store = createLedgerStore(database);
  const ledger = await createLedger({
    database,
    store,
    key,
    clock,
    logger,
    checkpointIntervalMs: config.checkpointIntervalMs,
  });
  return { ledger, ledgerStore: store };
}
