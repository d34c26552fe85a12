/** Builds the crypto module from config: the master keys (file or inline) and the keyring. */
import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/database/schema.ts';
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
  db: Kysely<Database>,
  clock: Clock,
) {
  let kek: KeyEncryptionKeys;
  if (config.masterKey) {
    kek = inlineMasterKeys(config.masterKey);
  } else {
    createMasterKeyFile(config.masterKeyFile);
    kek = fileMasterKeys(config.masterKeyFile, clock.now);
  }
  const store = createKeyringStore(db);
  return { kek, keyring: createKeyring({ kek, store, clock }) };
}
