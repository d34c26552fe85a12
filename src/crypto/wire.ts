/** Builds the crypto module from config: the master keys (file or inline) and the keyring. */
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle } from '../platform/database/database.ts';
import { createKeyringStore } from './keyring.store.ts';
import { createKeyring } from './keyring.ts';
import {
  createMasterKeyFile,
  fileMasterKeys,
  inlineMasterKeys,
  type KeyEncryptionKeys,
} from './master-keys.ts';

export function wireCrypto(
  config: Pick<Config, 'masterKey' | 'masterKeyFile'>,
  database: DatabaseHandle,
  clock: Clock,
) {
  let kek: KeyEncryptionKeys;
  if (config.masterKey) {
    kek = inlineMasterKeys(config.masterKey);
  } else {
    createMasterKeyFile(config.masterKeyFile);
    kek = fileMasterKeys(config.masterKeyFile, clock.now);
  }
  const store = createKeyringStore(database.db, database.bulkInsert);
  return { kek, keyring: createKeyring({ kek, store, clock }) };
}
