/** Builds the vault module: store, service and importer. */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.ts';
import type { EventBus } from '../platform/bus.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/database/schema.ts';
import { createImporter } from './import/importer.ts';
import { createVaultService } from './vault.service.ts';
import { createVaultStore } from './vault.store.ts';

export function wireVault(deps: { db: Kysely<Database>; keyring: Keyring; bus: EventBus; clock: Clock }) {
  const store = createVaultStore(deps.db);
  return {
    vault: createVaultService({ ...deps, store }),
    importer: createImporter({ ...deps, store }),
  };
}
