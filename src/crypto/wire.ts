/**
 * Builds the crypto module from config: the master keys (file or inline), the keyring, and master-key
 * rotation (a key file only; it is ledgered, hence the ledger — crypto depends on ledger, never the reverse).
 */
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import { createKeyRotation } from './key-rotation.service.ts';
import { createKeyringStore } from './keyring.store.ts';
import { createKeyring } from './keyring.ts';
import {
  createMasterKeyFile,
  fileMasterKeys,
  inlineMasterKeys,
  type KeyEncryptionKeys,
  type RotatableKeys,
} from './master-keys.ts';

export async function wireCrypto(deps: { platform: Platform; ledger: Pick<Ledger, 'record' | 'append'> }) {
  const { config, database, clock, bus } = deps.platform;
  let kek: KeyEncryptionKeys;
  let rotatable: RotatableKeys | undefined;
  if (config.masterKey) {
    kek = inlineMasterKeys(config.masterKey);
  } else {
    createMasterKeyFile(config.masterKeyFile);
    kek = rotatable = fileMasterKeys(config.masterKeyFile, clock.now);
  }
  const store = createKeyringStore(database.db, database.bulkInsert);
  const keyring = createKeyring({ kek, store, clock });
  await keyring.initialise();
  await keyring.load();
  const keyRotation = createKeyRotation({ kek: rotatable, store, ledger: deps.ledger, bus });
  return { kek, keyring, keyRotation };
}

export type CryptoModule = Awaited<ReturnType<typeof wireCrypto>>;
