/** Builds the vault module: store, service and importer. */
import type { Keyring } from '../crypto/keyring.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import { createImporter } from './import/importer.ts';
import { createVaultService } from './vault.service.ts';
import { createVaultStore } from './vault.store.ts';

export async function wireVault(deps: {
  platform: Platform;
  keyring: Keyring;
  ledger: Pick<Ledger, 'append' | 'record'>;
}) {
  const { database, bus, clock } = deps.platform;
  const { keyring, ledger } = deps;
  const store = createVaultStore(database.db, database.bulkInsert);
  // An initial load that stopped half-way left its search indexes dropped: build them before serving.
  await store.buildSearchIndexes();
  return {
    vault: createVaultService({ keyring, ledger, bus, clock, store }),
    importer: createImporter({ keyring, ledger, bus, clock, store }),
  };
}

export type VaultModule = Awaited<ReturnType<typeof wireVault>>;
