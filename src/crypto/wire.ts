/**
 * Builds the crypto module from config: the master keys (file or inline), the shred-group keys, the keyring,
 * shredding, and master-key rotation (a key file only; it is ledgered, hence the ledger — crypto depends on
 * ledger, never the reverse).
 *
 * At start it finishes what an interrupted erasure left (shredding.ts) and groups the data keys of an
 * installation older than shred groups; when it grouped any, it rotates the master key (if it is a file) so
 * that copies of the database taken before — which hold those keys under the master key alone — stop opening
 * once the rotation retires that master-key version.
 */
import type { Ledger } from '../ledger/ledger.service.ts';
import { systemActor } from '../platform/actor.ts';
import { CustosError } from '../platform/errors.ts';
import type { Platform } from '../platform/platform.ts';
import { keyFileExists } from './key-file.ts';
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
import { createShredGroupFile, fileShredGroups } from './shred-groups.ts';
import { createShredding } from './shredding.ts';

export async function wireCrypto(deps: { platform: Platform; ledger: Pick<Ledger, 'record' | 'append'> }) {
  const { config, database, clock, bus, logger } = deps.platform;
  let kek: KeyEncryptionKeys;
  let rotatable: RotatableKeys | undefined;
  if (config.masterKey) {
    kek = inlineMasterKeys(config.masterKey);
  } else {
    createMasterKeyFile(config.masterKeyFile);
    kek = rotatable = fileMasterKeys(config.masterKeyFile, clock.now);
  }
  const store = createKeyringStore(database.db, database.bulkInsert);
  // A new group file only where no key needs the old one: a lost file is refused, never silently replaced.
  if (!keyFileExists(config.shredGroupFile)) {
    const grouped = await store.countGroupedKeys();
    if (grouped > 0) {
      throw new CustosError(
        'KEYRING_UNAVAILABLE',
        `The shred-group key file ${config.shredGroupFile} is missing and ${grouped} data keys need it`,
      );
    }
    createShredGroupFile(config.shredGroupFile);
  }
  const groups = fileShredGroups(config.shredGroupFile);
  const keyring = createKeyring({ kek, groups, store, clock });
  await keyring.initialise();
  await keyring.load();
  const shredding = createShredding({ kek, groups, store, clock, graceMs: config.shredGraceMs });
  await shredding.finishPending();
  const keyRotation = createKeyRotation({ kek: rotatable, store, ledger: deps.ledger, bus });
  const grouped = await shredding.groupLegacyKeys();
  if (grouped > 0) {
    if (rotatable) {
      await keyRotation.rotate(systemActor);
      logger.info({ grouped }, 'data keys put in shred groups; master key rotated');
    } else {
      logger.warn(
        { grouped },
        'data keys put in shred groups: rotate the master key so that older backups stop opening them',
      );
    }
  }
  return { kek, keyring, keyRotation, shredding };
}

export type CryptoModule = Awaited<ReturnType<typeof wireCrypto>>;
