/** Builds the crypto module from config: the master keys (file or inline) and the keyring. */
import type { Platform } from '../platform/platform.ts';
import { createKeyringStore } from './keyring.store.ts';
import { createKeyring } from './keyring.ts';
import {
  createMasterKeyFile,
  fileMasterKeys,
  inlineMasterKeys,
  type KeyEncryptionKeys,
} from './master-keys.ts';

export async function wireCrypto(deps: { platform: Platform }) {
  const { config, database, clock } = deps.platform;
  let kek: KeyEncryptionKeys;
  if (config.masterKey) {
    kek = inlineMasterKeys(config.masterKey);
  } else {
    createMasterKeyFile(config.masterKeyFile);
    kek = fileMasterKeys(config.masterKeyFile, clock.now);
  }
  const store = createKeyringStore(database.db, database.bulkInsert);
  const keyring = createKeyring({ kek, store, clock });
  await keyring.initialise();
  await keyring.load();
  return { kek, keyring };
}

export type CryptoModule = Awaited<ReturnType<typeof wireCrypto>>;
