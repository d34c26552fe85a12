/** Builds the vault module: store, service and importer. */
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import type { DatabaseHandle } from '../platform/database/database.ts';
import { createImporter } from './import/importer.ts';
import { createVaultService } from './vault.service.ts';
import { createVaultStore } from './vault.store.ts';

export function wireVault({
  database,
  ...deps
}: {
  database: DatabaseHandle;
  keyring: Keyring;
  ledger: Pick<Ledger, 'append' | 'record'>;
  bus: EventBus;
  clock: Clock;
}) {
  const store = createVaultStore(database.db, database.bulkInsert);
  return {
    vault: createVaultService({ ...deps, db: database.db, store }),
    importer: createImporter({ ...deps, db: database.db, store }),
  };
}
